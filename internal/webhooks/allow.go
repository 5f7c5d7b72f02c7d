package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// AllowList is where webhooks may deliver, as the installation
// administrator lists it (serve --webhook-allow). Each entry is one of
//
//	10.20.0.0/16        any address of a CIDR prefix, any port
//	192.0.2.10          one address, any port
//	192.0.2.10:8443     one address and port ([2001:db8::1]:443 for IPv6)
//	hooks.example.com:443  a host name and port: its addresses must be public
//	public              any public address (not loopback, private, link-local,
//	                    shared, multicast or otherwise special), any port
//
// An empty list allows nothing: webhooks can be registered nowhere.
// A name entry trusts the name, not where it points: an address it
// resolves to is allowed only if public, or within an address entry.
type AllowList struct {
	prefixes []prefixPort
	names    []namePort
	public   bool
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
		a.public = true
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
	return a == nil || (len(a.prefixes) == 0 && len(a.names) == 0 && !a.public)
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
	if a.public {
		out = append(out, "public")
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
	if !Public(ip) {
		return false
	}
	if a.public {
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
		"2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"} {
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
	ips, err := resolve.lookup(ctx, host)
	if err != nil || len(ips) == 0 {
		return &FieldError{"url", fmt.Sprintf("the host %s could not be resolved", host)}
	}
	for _, ip := range ips {
		if !a.Allows(host, ip, port) {
			return &FieldError{"url", fmt.Sprintf("%s is not an address this server may deliver webhooks to (its administrator lists them: serve --webhook-allow)", net.JoinHostPort(host, strconv.Itoa(int(port))))}
		}
	}
	return nil
}
