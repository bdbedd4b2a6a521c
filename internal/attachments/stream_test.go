package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/casegate/casegate/internal/apperr"
)

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// An upload that announces nothing and sends more than the limit is refused once the bytes read
// pass the limit, after chunks were written: the transaction leaves no attachment, chunk or audit
// record behind, and the rest of the upload is never read.
func TestUploadOverTheLimitWhileStreamingLeavesNothing(t *testing.T) {
	w := newCaseWorld(t)
	ctx := context.Background()
	w.svc.Store = PGStore{DB: w.db, ChunkBytes: 1 << 10}
	w.svc.MaxBytes = 5 << 10
	before := w.rows(t)
	body := &countingReader{r: bytes.NewReader(make([]byte, 64<<10))}
	_, err := w.svc.AddToCase(ctx, w.internal(w.writer), w.caseID, File{Name: "big.bin", Body: body}, nil)
	var in *apperr.InputError
	if !errors.As(err, &in) || in.Limit != LimitName {
		t.Fatalf("over the limit: %v", err)
	}
	if after := w.rows(t); after != before {
		t.Fatalf("left behind: %v, before %v", after, before)
	}
	if body.n > 8<<10 {
		t.Fatalf("read %d bytes of a refused upload", body.n)
	}

	// At the limit it is stored in 5 chunks, with the digest of what was read.
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<10/16)
	a, err := w.svc.AddToCase(ctx, w.internal(w.writer), w.caseID, File{Name: "ok.bin", Body: bytes.NewReader(data)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if a.Size != int64(len(data)) || !bytes.Equal(a.Digest, sum[:]) || a.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("stored %d bytes, digest %x, type %s", a.Size, a.Digest, a.ContentType)
	}
	if n := count(t, w.db, `SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, a.ID); n != 5 {
		t.Fatalf("%d chunks", n)
	}
	_, rc, err := w.svc.Open(ctx, w.internal(w.writer), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v)", len(got), err)
	}
}
