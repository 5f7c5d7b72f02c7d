package webhooks

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestAllowList(t *testing.T) {
	a, err := ParseAllowList("10.20.0.0/16, 192.0.2.10:8443, hooks.example.com:443, 203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, ip string
		port     uint16
		want     bool
	}{
		{"x", "10.20.3.4", 80, true},
		{"x", "10.21.0.1", 80, false},
		{"x", "192.0.2.10", 8443, true},
		{"x", "192.0.2.10", 443, false},
		{"x", "203.0.113.7", 1, true},
		{"hooks.example.com", "8.8.8.8", 443, true},
		{"hooks.example.com", "8.8.8.8", 80, false},
		{"hooks.example.com", "127.0.0.1", 443, false}, // a name never reaches the server's own network
		{"hooks.example.com", "169.254.169.254", 443, false},
		{"hooks.example.com", "::ffff:10.0.0.1", 443, false},
		{"other.example.com", "8.8.8.8", 443, false},
	} {
		if got := a.Allows(c.host, netip.MustParseAddr(c.ip), c.port); got != c.want {
			t.Errorf("%s %s:%d: %v, want %v", c.host, c.ip, c.port, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "host", "host:0", "*:443", "public:0"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if e, _ := ParseAllowList(" , "); !e.Empty() {
		t.Error("an empty list is not empty")
	}
}

// TestPublic: "public" reaches public addresses on ports 80 and 443 (and
// those public:PORT entries name), never an address of a special range,
// IPv4 of any kind written as IPv6, nor the server's own addresses, which
// only an address entry reaches.
func TestPublic(t *testing.T) {
	pub, err := ParseAllowList("public, public:8443")
	if err != nil {
		t.Fatal(err)
	}
	own := []netip.Addr{netip.MustParseAddr("198.51.7.7"), netip.MustParseAddr("2a00:1450::7")}
	pub.own = func() []netip.Addr { return own }
	for _, c := range []struct {
		ip   string
		port uint16
		want bool
	}{
		{"8.8.8.8", 443, true},
		{"8.8.8.8", 80, true},
		{"8.8.8.8", 8443, true},
		{"8.8.8.8", 22, false},
		{"8.8.8.8", 6379, false},
		{"2a00:1450:4001::1", 443, true},
		{"192.168.1.1", 443, false},
		{"fd00::1", 443, false},
		{"::10.0.0.1", 443, false},         // IPv4-compatible
		{"::8.8.8.8", 443, false},          // IPv4-compatible, of a public address still
		{"::ffff:0:10.0.0.1", 443, false},  // SIIT
		{"::ffff:0:127.0.0.1", 443, false}, // SIIT
		{"::ffff:127.0.0.1", 443, false},   // IPv4-mapped
		{"fec0::1", 443, false},            // site-local
		{"3fff::1", 443, false},            // documentation
		{"5f00::1", 443, false},            // SRv6
		{"168.63.129.16", 443, false},      // Azure's platform
		{"198.51.7.7", 443, false},         // the server's own
		{"2a00:1450::7", 443, false},       // the server's own
	} {
		if got := pub.Allows("x", netip.MustParseAddr(c.ip), c.port); got != c.want {
			t.Errorf("public %s:%d: %v, want %v", c.ip, c.port, got, c.want)
		}
	}
	// A name entry does not reach the server's own addresses either; an
	// address entry does.
	named, _ := ParseAllowList("hooks.example.com:443, 198.51.7.7:8080")
	named.own = pub.own
	if named.Allows("hooks.example.com", own[0], 443) || !named.Allows("x", own[0], 8080) {
		t.Error("the server's own address: a name entry reaches it, or an address entry does not")
	}
	if got := pub.String(); got != "public,public:8443" {
		t.Errorf("String: %q", got)
	}
	// The server's interfaces are its own: loopback at least.
	if !slices.Contains(interfaceAddrs(), netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("interface addresses %v have no 127.0.0.1", interfaceAddrs())
	}
}

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1767261600, 0)
	h := Sign([]byte("secret"), now, []byte(`{"a":1}`))
	if err := Verify([]byte("secret"), h, []byte(`{"a":1}`), now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other body":   Verify([]byte("secret"), h, []byte(`{"a":2}`), now, time.Minute),
		"other secret": Verify([]byte("secreT"), h, []byte(`{"a":1}`), now, time.Minute),
		"too old":      Verify([]byte("secret"), h, []byte(`{"a":1}`), now.Add(time.Hour), time.Minute),
	} {
		if err == nil {
			t.Errorf("%s verified", name)
		}
	}
}
