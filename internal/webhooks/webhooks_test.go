package webhooks

import (
	"net/netip"
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
	pub, _ := ParseAllowList("public")
	if !pub.Allows("x", netip.MustParseAddr("8.8.8.8"), 1) || pub.Allows("x", netip.MustParseAddr("192.168.1.1"), 1) || pub.Allows("x", netip.MustParseAddr("fd00::1"), 1) {
		t.Error("public")
	}
	for _, bad := range []string{"10.0.0.0/33", "host", "host:0", "*:443"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if e, _ := ParseAllowList(" , "); !e.Empty() {
		t.Error("an empty list is not empty")
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
