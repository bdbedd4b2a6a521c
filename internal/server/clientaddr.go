package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
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

// Of returns the client's address of r.
func (c ClientAddr) Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !c.trusted(peer) {
		return peer.Unmap().String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // not an address: the last trusted hop is all that is known
		}
		client = hop
		if !c.trusted(hop) {
			break
		}
	}
	return client.Unmap().String()
}
