package server

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/casegate/casegate/internal/auth"
)

// Default bounds of transfers (downloads and uploads of attachments) running at once. Each holds
// about one 256 KiB chunk (twice that while it crosses to or from PostgreSQL as hex) plus buffers,
// so 64 take a few tens of MiB at most; an upload also holds a pool connection while its chunks are
// written, and the pool has 20. Per principal, 8 is more than a browser opens to one host (6), so
// only a script meets it.
const (
	DefaultMaxTransfers             = 64
	DefaultMaxTransfersPerPrincipal = 8
)

// transferRetryAfter is the Retry-After of a refused transfer: transfers end within the write
// timeout or stall out, so a few seconds later a slot is likely free.
const transferRetryAfter = 5 * time.Second

// transfers counts the transfers running, in total and per principal, and refuses one over either
// bound. A principal is the person (user, or temporary-access grant); an anonymous request counts
// under its client address.
type transfers struct {
	total, perPrincipal int

	mu      sync.Mutex
	running int
	by      map[string]int
}

func newTransfers(total, perPrincipal int) *transfers {
	if total <= 0 {
		total = DefaultMaxTransfers
	}
	if perPrincipal <= 0 {
		perPrincipal = DefaultMaxTransfersPerPrincipal
	}
	return &transfers{total: total, perPrincipal: perPrincipal, by: map[string]int{}}
}

// acquire takes a slot for r's principal; ok is false when a bound is reached. release frees it.
func (t *transfers) acquire(r *http.Request) (release func(), ok bool) {
	key := transferKey(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running >= t.total || t.by[key] >= t.perPrincipal {
		return nil, false
	}
	t.running++
	t.by[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.running--
			if t.by[key]--; t.by[key] == 0 {
				delete(t.by, key)
			}
		})
	}, true
}

func transferKey(r *http.Request) string {
	p := auth.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		return "addr:" + auth.ClientAddrFrom(r.Context())
	case p.GrantID != "":
		return "grant:" + p.GrantID
	default:
		return "user:" + p.NativeUserID // who is logged in, whoever they stand in for
	}
}

// refuseTransfer answers a transfer over a bound: 429 with Retry-After, in GraphQL's error shape
// with code RATE_LIMITED, like every error of the edge.
func refuseTransfer(w http.ResponseWriter, m *Metrics, t *transfers) {
	m.refused("RATE_LIMITED")
	w.Header().Set("Retry-After", strconv.Itoa(int(transferRetryAfter/time.Second)))
	writeErrors(w, http.StatusTooManyRequests,
		fmt.Sprintf("too many downloads and uploads at once (at most %d per person); try again later", t.perPrincipal),
		map[string]any{"code": "RATE_LIMITED"})
}
