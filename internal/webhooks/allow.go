package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AllowList is where webhooks may deliver, as the installation
// administrator lists it (serve --webhook-allow). Each entry is one of
//
//	10.20.0.0/16        any address of a CIDR prefix, any port
//	192.0.2.10          one address, any port
//	192.0.2.10:8443     one address and port ([2001:db8::1]:443 for IPv6)
//	hooks.example.com:443  a host name and port: its addresses must be public
//	public              any public address (not loopback, private, link-local,
//	                    shared, multicast or otherwise special, nor one of
//	                    the server's own), ports 80 and 443
//	public:8443         the same, on that port (as many entries as ports)
//
// An empty list allows nothing: webhooks can be registered nowhere.
// A name entry trusts the name, not where it points: an address it
// resolves to is allowed only if public and not the server's own, or
// within an address entry.
type AllowList struct {
	prefixes    []prefixPort
	names       []namePort
	publicPorts []uint16
	// own lists the server's own addresses (its interfaces', when nil),
	// which only an address entry reaches.
	own func() []netip.Addr
}

type prefixPort struct {
	p    netip.Prefix
	port uint16 // 0: any
}

type namePort struct {
	name string
	port uint16
}

// ParseAllowList reads a comma-separated allow list.
func ParseAllowList(text string) (*AllowList, error) {
	a := &AllowList{}
	for _, e := range strings.Split(text, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if err := a.add(e); err != nil {
			return nil, fmt.Errorf("webhook allow list entry %q: %w", e, err)
		}
	}
	return a, nil
}

func (a *AllowList) add(e string) error {
	if strings.EqualFold(e, "public") {
		a.publicPorts = append(a.publicPorts, 80, 443)
		return nil
	}
	if p, err := netip.ParsePrefix(e); err == nil {
		a.prefixes = append(a.prefixes, prefixPort{p: p.Masked()})
		return nil
	}
	if ip, err := netip.ParseAddr(e); err == nil {
		a.prefixes = append(a.prefixes, prefixPort{p: netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())})
		return nil
	}
	host, p, err := net.SplitHostPort(e)
	if err != nil {
		return errors.New("not a CIDR prefix, an address, address:port, host:port or \"public\"")
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil || port == 0 {
		return errors.New("the port is not a port")
	}
	if strings.EqualFold(host, "public") {
		a.publicPorts = append(a.publicPorts, uint16(port))
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		a.prefixes = append(a.prefixes, prefixPort{p: netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()), port: uint16(port)})
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.ContainsAny(host, "/*") {
		return errors.New("not a host name")
	}
	a.names = append(a.names, namePort{name: host, port: uint16(port)})
	return nil
}

// Empty tells whether the list allows nothing.
func (a *AllowList) Empty() bool {
	return a == nil || (len(a.prefixes) == 0 && len(a.names) == 0 && len(a.publicPorts) == 0)
}

// String is the list as it was read, in its parts' order.
func (a *AllowList) String() string {
	if a == nil {
		return ""
	}
	var out []string
	for _, p := range a.prefixes {
		if p.port != 0 {
			out = append(out, netip.AddrPortFrom(p.p.Addr(), p.port).String())
		} else {
			out = append(out, p.p.String())
		}
	}
	for _, n := range a.names {
		out = append(out, net.JoinHostPort(n.name, strconv.Itoa(int(n.port))))
	}
	web := slices.Contains(a.publicPorts, 80) && slices.Contains(a.publicPorts, 443)
	if web {
		out = append(out, "public")
	}
	for _, p := range a.publicPorts {
		if !web || (p != 80 && p != 443) {
			out = append(out, "public:"+strconv.Itoa(int(p)))
		}
	}
	return strings.Join(out, ",")
}

// Allows tells whether a delivery to host (the URL's, lower case) on
// port may connect to ip.
func (a *AllowList) Allows(host string, ip netip.Addr, port uint16) bool {
	if a == nil || !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	for _, p := range a.prefixes {
		if p.p.Contains(ip) && (p.port == 0 || p.port == port) {
			return true
		}
	}
	if !Public(ip) || slices.Contains(a.ownAddrs(), ip) {
		return false
	}
	if slices.Contains(a.publicPorts, port) {
		return true
	}
	for _, n := range a.names {
		if n.name == host && n.port == port {
			return true
		}
	}
	return false
}

// special are the ranges no name entry or "public" reaches: they are the
// server's own networks, or no one's (RFC 6890 and successors).
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
		// IPv4-compatible and SIIT-translated IPv4 addresses (RFC 4291,
		// RFC 6052/7915): an IPv4 address of any kind in IPv6 clothes.
		"::/96", "::ffff:0:0:0/96",
		// Site-local (deprecated, still routed inside some sites),
		// documentation (RFC 9637), SRv6 segment ids (RFC 9602), and
		// Azure's platform address (metadata, DNS, health probes).
		"fec0::/10", "3fff::/20", "5f00::/16", "168.63.129.16/32"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Public tells whether ip is an address of the public internet.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() {
		return false
	}
	for _, p := range special {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// ownAddrs is the server's own addresses, which neither public nor a
// name entry reaches (an address entry may).
func (a *AllowList) ownAddrs() []netip.Addr {
	if a.own != nil {
		return a.own()
	}
	return interfaceAddrs()
}

// interfaceAddrs is the addresses of the server's interfaces, read again
// at most every few seconds (an interface may come up later).
var interfaceAddrs = func() func() []netip.Addr {
	var mu sync.Mutex
	var addrs []netip.Addr
	var read time.Time
	return func() []netip.Addr {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(read) < 10*time.Second {
			return addrs
		}
		list, err := net.InterfaceAddrs()
		if err != nil {
			return addrs // the last known, if any
		}
		addrs, read = addrs[:0:0], time.Now()
		for _, a := range list {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				addrs = append(addrs, p.Addr().Unmap())
			}
		}
		return addrs
	}
}()

// Resolver finds a host's addresses; net.DefaultResolver.LookupNetIP
// when nil. Tests give their own to play a name that moves.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

func (r Resolver) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	if r != nil {
		return r(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// ErrNotAllowed is a delivery or registration to an address the allow
// list does not have.
var ErrNotAllowed = errors.New("webhooks: the address is not on the installation's webhook allow list")

// CheckURL checks, at registration, that the URL may receive webhooks:
// every address its host resolves to now must be allowed. Deliveries are
// checked again on the address they dial.
func (a *AllowList) CheckURL(ctx context.Context, raw string, resolve Resolver) error {
	if a.Empty() {
		return &FieldError{"url", "this server may deliver webhooks nowhere: its administrator has allowed no address (serve --webhook-allow)"}
	}
	_, host, port, err := splitURL(raw)
	if err != nil {
		return &FieldError{"url", err.Error()}
	}
	// One answer whether the name does not resolve or resolves where
	// the list does not reach: registration tells nothing of the network
	// behind the server.
	refused := &FieldError{"url", fmt.Sprintf("%s does not resolve or is not an address this server may deliver webhooks to (its administrator lists them: serve --webhook-allow)",
		net.JoinHostPort(host, strconv.Itoa(int(port))))}
	ips, err := resolve.lookup(ctx, host)
	if err != nil || len(ips) == 0 {
		return refused
	}
	for _, ip := range ips {
		if !a.Allows(host, ip, port) {
			return refused
		}
	}
	return nil
}
