package pgembed

import (
	"net"
	"testing"
)

// busyPort is a port on 127.0.0.1 that the test holds open until it ends, so a server cannot
// listen there.
func busyPort(t *testing.T) uint32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return uint32(l.Addr().(*net.TCPAddr).Port)
}
