package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/casegate/casegate/internal/auth"
)

// ClientAddr finds the address a request came from, for the per-address limits and the sessions'
// and codes' records. Behind a reverse proxy every request comes from the proxy, so one client
// would exhaust the limits of all: when the peer is a trusted proxy, the client is the rightmost
// X-Forwarded-For entry that is not itself a trusted proxy. Entries left of it are whatever the
// client wrote and are never believed, so the header cannot be used to dodge a limit.
type ClientAddr struct {
	Trusted []netip.Prefix
}

func (c ClientAddr) trusted(a netip.Addr) bool {
	for _, p := range c.Trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// peer is the address of the connection's other end.
func peer(r *http.Request) (string, netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return host, a, err == nil
}

// FromTrustedProxy tells whether r comes from a trusted proxy.
func (c ClientAddr) FromTrustedProxy(r *http.Request) bool {
	_, a, ok := peer(r)
	return ok && c.trusted(a)
}

// hop parses an X-Forwarded-For entry: an address, or an address and port as some load balancers
// write them.
func hop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}

// clientAddress finds the request's client once, for everything after it (the trace, the limits,
// the sessions' records: auth.ClientAddrFrom).
func clientAddress(addr ClientAddr, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(auth.WithClientAddr(r.Context(), addr.Of(r))))
	})
}

// Of returns the client's address of r.
func (c ClientAddr) Of(r *http.Request) string {
	host, peer, ok := peer(r)
	if !ok {
		return host
	}
	if !c.trusted(peer) {
		return peer.Unmap().String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hop(hops[i])
		if !ok {
			break // not an address: the last trusted hop is all that is known
		}
		client = a
		if !c.trusted(a) {
			break
		}
	}
	return client.Unmap().String()
}
