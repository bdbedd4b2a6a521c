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
// more than a browser opens to one host (6), so only a script meets it. Uploads per principal are
// a quarter of the uploads in total: a slot is held while the body trickles in (up to the read
// timeout), so one person with slow uploads must not be able to take every slot from the others;
// 2 still lets a person upload one file while another one finishes.
const (
	DefaultMaxTransfers             = 64
	DefaultMaxTransfersPerPrincipal = 8
	DefaultMaxUploads               = 8
	DefaultMaxUploadsPerPrincipal   = 2
)

// transferRetryAfter is the Retry-After of a refused transfer: transfers end within the write
// timeout or stall out, so a few seconds later a slot is likely free.
const transferRetryAfter = 5 * time.Second

// transfers counts the transfers running, in total, per principal and uploads among them (in
// total and per principal), and refuses one over a bound. A principal is the person (user, or
// temporary-access grant); anonymous requests never take a slot (a download answers
// UNAUTHENTICATED, an upload is refused first).
type transfers struct {
	total, perPrincipal, uploads, uploadsPerPrincipal int

	mu                 sync.Mutex
	running, uploading int
	by, uploadingBy    map[string]int
}

func newTransfers(l Limits) *transfers {
	t := &transfers{total: l.MaxTransfers, perPrincipal: l.MaxTransfersPerPrincipal, uploads: l.MaxUploads,
		uploadsPerPrincipal: l.MaxUploadsPerPrincipal, by: map[string]int{}, uploadingBy: map[string]int{}}
	if t.total <= 0 {
		t.total = DefaultMaxTransfers
	}
	if t.perPrincipal <= 0 {
		t.perPrincipal = DefaultMaxTransfersPerPrincipal
	}
	if t.uploads <= 0 {
		t.uploads = DefaultMaxUploads
	}
	if t.uploadsPerPrincipal <= 0 {
		t.uploadsPerPrincipal = DefaultMaxUploadsPerPrincipal
	}
	return t
}

// acquire takes a slot for r's principal (r must have one), an upload's or a download's; when a bound is reached it
// returns instead why, for the refusal. release frees the slot.
func (t *transfers) acquire(r *http.Request, upload bool) (release func(), refused string) {
	key := transferKey(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case upload && t.uploadingBy[key] >= t.uploadsPerPrincipal:
		return nil, fmt.Sprintf("too many uploads at once (at most %d per person)", t.uploadsPerPrincipal)
	case t.by[key] >= t.perPrincipal:
		return nil, fmt.Sprintf("too many downloads and uploads at once (at most %d per person)", t.perPrincipal)
	case upload && t.uploading >= t.uploads:
		return nil, fmt.Sprintf("too many uploads at once on the server (at most %d in all)", t.uploads)
	case t.running >= t.total:
		return nil, fmt.Sprintf("too many downloads and uploads at once on the server (at most %d in all)", t.total)
	}
	t.running++
	t.by[key]++
	if upload {
		t.uploading++
		t.uploadingBy[key]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.running--
			if upload {
				t.uploading--
				decrement(t.uploadingBy, key)
			}
			decrement(t.by, key)
		})
	}, ""
}

func decrement(m map[string]int, key string) {
	if m[key]--; m[key] == 0 {
		delete(m, key)
	}
}

func transferKey(r *http.Request) string {
	p := auth.PrincipalFrom(r.Context())
	switch {
	case p.GrantID != "":
		return "grant:" + p.GrantID
	default:
		return "user:" + p.NativeUserID // who is logged in, whoever they stand in for
	}
}

// refuseTransfer answers a transfer over a bound (why names it): 429 with Retry-After, in
// GraphQL's error shape with code RATE_LIMITED, like every error of the edge.
func refuseTransfer(w http.ResponseWriter, m *Metrics, why string) {
	m.refused("RATE_LIMITED")
	w.Header().Set("Retry-After", strconv.Itoa(int(transferRetryAfter/time.Second)))
	writeErrors(w, http.StatusTooManyRequests, why+"; try again later", map[string]any{"code": "RATE_LIMITED"})
}
