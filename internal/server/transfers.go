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
// so 64 take a few tens of MiB at most. A download uses a pool connection only while it reads a
// chunk, but an upload holds one while its chunks are written, and the pool has 20: uploads have
// their own, lower bound, so that they leave connections to everything else. Per principal, 8 is
// more than a browser opens to one host (6), so only a script meets it.
const (
	DefaultMaxTransfers             = 64
	DefaultMaxTransfersPerPrincipal = 8
	DefaultMaxUploads               = 8
)

// transferRetryAfter is the Retry-After of a refused transfer: transfers end within the write
// timeout or stall out, so a few seconds later a slot is likely free.
const transferRetryAfter = 5 * time.Second

// transfers counts the transfers running, in total, per principal and uploads among them, and
// refuses one over a bound. A principal is the person (user, or temporary-access grant); an
// anonymous request counts under its client address.
type transfers struct {
	total, perPrincipal, uploads int

	mu                 sync.Mutex
	running, uploading int
	by                 map[string]int
}

func newTransfers(l Limits) *transfers {
	t := &transfers{total: l.MaxTransfers, perPrincipal: l.MaxTransfersPerPrincipal, uploads: l.MaxUploads, by: map[string]int{}}
	if t.total <= 0 {
		t.total = DefaultMaxTransfers
	}
	if t.perPrincipal <= 0 {
		t.perPrincipal = DefaultMaxTransfersPerPrincipal
	}
	if t.uploads <= 0 {
		t.uploads = DefaultMaxUploads
	}
	return t
}

// acquire takes a slot for r's principal, an upload's or a download's; ok is false when a bound is
// reached. release frees it.
func (t *transfers) acquire(r *http.Request, upload bool) (release func(), ok bool) {
	key := transferKey(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running >= t.total || t.by[key] >= t.perPrincipal || upload && t.uploading >= t.uploads {
		return nil, false
	}
	t.running++
	t.by[key]++
	if upload {
		t.uploading++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.running--
			if upload {
				t.uploading--
			}
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
