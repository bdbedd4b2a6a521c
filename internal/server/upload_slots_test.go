package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
)

// slowUpload is a multipart request of user whose body arrives as the test writes it.
func slowUpload(user string) (*http.Request, *io.PipeWriter) {
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/graphql", pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	if user != "" {
		req = withPrincipal(req, user)
	}
	return req, pw
}

func withPrincipal(r *http.Request, user string) *http.Request {
	return r.WithContext(auth.WithPrincipal(r.Context(), &access.Principal{UserID: user, NativeUserID: user}))
}

func withUser(r *http.Request) *http.Request { return withPrincipal(r, "user") }

// One person's slow uploads take at most their own share of the upload slots: their next upload
// is refused, naming the per-person bound, while another person's still starts. An anonymous
// upload is refused at once, without a slot.
func TestOnePersonCannotTakeEveryUploadSlot(t *testing.T) {
	slots := newTransfers(Limits{})
	var reached sync.WaitGroup
	h := boundUploads(Limits{MaxBytes: 1000}, slots, nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	// Uploads whose body trickles in: each holds its slot while the edge waits for the body.
	var writers []*io.PipeWriter
	held := 0
	for range DefaultMaxUploads {
		req, pw := slowUpload("u1")
		writers = append(writers, pw)
		done := make(chan *httptest.ResponseRecorder, 1)
		reached.Add(1)
		go func() { defer reached.Done(); done <- serve(req) }()
		// A write returns once the edge reads it, that is once it holds a slot; or the request is refused.
		wrote := make(chan error, 1)
		go func() { _, err := pw.Write([]byte("--b\r\n")); wrote <- err }()
		select {
		case <-wrote:
			held++
		case rec := <-done:
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("upload %d of one person: %d %s", held+1, rec.Code, rec.Body)
			}
			_ = pw.Close()
		}
	}
	if held >= DefaultMaxUploads {
		t.Fatalf("one person holds all %d upload slots", held)
	}
	req, pw := slowUpload("u1")
	_ = pw.Close()
	rec := serve(req)
	errs := decodeErrors(t, rec)
	if rec.Code != http.StatusTooManyRequests || len(errs) != 1 || !strings.Contains(errs[0]["message"].(string), "per person") {
		t.Fatalf("another upload of the same person: %d %v", rec.Code, errs)
	}

	// Another person's upload starts.
	req, pw = slowUpload("u2")
	go func() { _, _ = pw.Write([]byte("--b--\r\n")); _ = pw.Close() }()
	if rec := serve(req); rec.Code != http.StatusOK {
		t.Fatalf("another person's upload: %d %s", rec.Code, rec.Body)
	}

	// Anonymous: 401 before its body is read, so before a slot could be taken (when read, the
	// body notes the upload slots taken).
	slotsAtRead := -1
	anonymous := httptest.NewRequest(http.MethodPost, "/graphql", slotSpy{slots, &slotsAtRead})
	anonymous.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	rec = serve(anonymous)
	errs = decodeErrors(t, rec)
	if rec.Code != http.StatusUnauthorized || len(errs) != 1 || errs[0]["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous upload: %d %v (its body was read with %d upload slots taken)", rec.Code, errs, slotsAtRead)
	}
	if slotsAtRead != -1 {
		t.Fatalf("an anonymous upload was read, with %d upload slots taken", slotsAtRead)
	}

	for _, pw := range writers {
		_ = pw.CloseWithError(io.ErrUnexpectedEOF)
	}
	reached.Wait()
}

// A refusal names the bound that was hit: the person's own, or the server's.
func TestTransferRefusalNamesTheBound(t *testing.T) {
	slots := newTransfers(Limits{MaxUploads: 1})
	req := withPrincipal(httptest.NewRequest(http.MethodPost, "/graphql", nil), "u1")
	release, refused := slots.acquire(req, true)
	if refused != "" {
		t.Fatal(refused)
	}
	defer release()
	_, refused = slots.acquire(withPrincipal(httptest.NewRequest(http.MethodPost, "/graphql", nil), "u2"), true)
	if !strings.Contains(refused, "on the server (at most 1 in all)") {
		t.Fatalf("over the server's upload bound: %q", refused)
	}
}

// slotSpy is a body that, when read, counts the upload slots taken into *n and ends.
type slotSpy struct {
	slots *transfers
	n     *int
}

func (s slotSpy) Read([]byte) (int, error) {
	s.slots.mu.Lock()
	defer s.slots.mu.Unlock()
	*s.n = s.slots.uploading
	return 0, io.EOF
}
