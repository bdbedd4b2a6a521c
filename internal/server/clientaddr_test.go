package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := ClientAddr{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, c := range []struct {
		name, remote string
		xff          []string
		addr         ClientAddr
		want         string
	}{
		{"no proxies trusted: the header is ignored", "10.0.0.5:4000", []string{"203.0.113.9"}, ClientAddr{}, "10.0.0.5"},
		{"direct client: the header is ignored", "198.51.100.7:4000", []string{"203.0.113.9"}, proxies, "198.51.100.7"},
		{"one proxy", "10.0.0.5:4000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"a chain of proxies", "10.0.0.5:4000", []string{"203.0.113.9, 10.0.0.7", "10.0.0.6"}, proxies, "203.0.113.9"},
		{"what the client wrote is not believed", "10.0.0.5:4000", []string{"1.2.3.4, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"a spoofed trusted address left of the client", "10.0.0.5:4000", []string{"10.9.9.9, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"garbage stops at the last trusted hop", "10.0.0.5:4000", []string{"203.0.113.9, junk"}, proxies, "10.0.0.5"},
		{"proxy without the header", "10.0.0.5:4000", nil, proxies, "10.0.0.5"},
		{"address and port, as some load balancers write", "10.0.0.5:4000", []string{"203.0.113.9:51234"}, proxies, "203.0.113.9"},
		{"IPv6 address and port", "10.0.0.5:4000", []string{"[2001:db8::1]:51234"}, proxies, "2001:db8::1"},
		{"only proxies", "10.0.0.5:4000", []string{"10.0.0.8"}, proxies, "10.0.0.8"},
		{"IPv6 proxy, IPv4-mapped client", "[::1]:4000", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
		{"IPv4-mapped peer of a trusted IPv4 proxy", "[::ffff:10.0.0.5]:4000", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.addr.Of(r); got != c.want {
				t.Fatalf("client = %s, want %s", got, c.want)
			}
		})
	}
}
