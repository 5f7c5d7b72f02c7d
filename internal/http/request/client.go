package request

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the addresses of reverse proxies whose X-Forwarded-For is
// believed; from anywhere else it is ignored.
type Proxies []netip.Prefix

// ClientAddr is the address the request comes from: the connection's,
// or, when the connection comes from a trusted proxy, the last address in
// X-Forwarded-For that is not itself a trusted proxy.
func (p Proxies) ClientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	if !p.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		text := strings.TrimSpace(hops[i])
		hop, err := netip.ParseAddr(text)
		if err != nil {
			// Some proxies write the client's port too.
			ap, perr := netip.ParseAddrPort(text)
			if perr != nil {
				// A hop that cannot be read is an unknown client: not the
				// proxy, whose address may be inside a trusted range.
				return netip.Addr{}
			}
			hop = ap.Addr()
		}
		hop = hop.WithZone("")
		if hop = hop.Unmap(); !p.trusted(hop) {
			return hop
		}
		addr = hop
	}
	return addr
}

// ClientIP is the client's address as text (see ClientAddr).
func (p Proxies) ClientIP(r *http.Request) string {
	if a := p.ClientAddr(r); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

func (p Proxies) trusted(a netip.Addr) bool {
	for _, prefix := range p {
		if prefix.Contains(a) {
			return true
		}
	}
	return false
}
