package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddressBelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	s := &Server{Config: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"untrusted peer cannot forge the header", "203.0.113.7:5000", "1.2.3.4", "203.0.113.7"},
		{"trusted proxy passes the client", "10.0.0.2:80", "198.51.100.9", "198.51.100.9"},
		{"chain of trusted proxies", "10.0.0.2:80", "198.51.100.9, 10.0.0.5", "198.51.100.9"},
		{"client-supplied left part is ignored", "10.0.0.2:80", "6.6.6.6, 198.51.100.9", "198.51.100.9"},
		{"garbage stops the walk", "10.0.0.2:80", "198.51.100.9, nonsense", "10.0.0.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if got := s.realIP(r); got != c.want {
				t.Fatalf("got %q want %q", got, c.want)
			}
		})
	}
}
