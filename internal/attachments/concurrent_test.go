package attachments

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
)

// gatedReader yields head, then tells paused and waits for release before it yields tail: an
// upload stopped in the middle of its stream, its first chunks written.
type gatedReader struct {
	head, tail      *bytes.Reader
	paused, release chan struct{}
}

func newGatedReader(data []byte, at int) *gatedReader {
	return &gatedReader{head: bytes.NewReader(data[:at]), tail: bytes.NewReader(data[at:]),
		paused: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.head.Len() > 0 {
		return g.head.Read(p)
	}
	if g.paused != nil {
		close(g.paused)
		g.paused = nil
		<-g.release
	}
	return g.tail.Read(p)
}

// whileUploadPaused runs other while an upload of a stands paused in the middle of its stream
// (after its first chunks are written), and resumes the upload once other ended or waits for a
// lock (the code before the fix: other then waited for the upload's rows). It returns the
// upload's error and other's.
func whileUploadPaused(t *testing.T, w *caseWorld, upload func(io.Reader) error, a []byte, other func() error) (error, error) {
	t.Helper()
	g := newGatedReader(a, 3<<10)
	paused := g.paused
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- upload(g) }()
	select {
	case <-paused:
	case err := <-first:
		t.Fatalf("the upload ended before its pause: %v", err)
	}
	go func() { second <- other() }()
	var errOther error
	ended := false
	for i := 0; !ended && !lockWaited(t, w) && i < 3000; i++ {
		select {
		case errOther = <-second:
			ended = true
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(g.release)
	errUpload := <-first
	if !ended {
		errOther = <-second
	}
	return errUpload, errOther
}

// lockWaited tells whether a statement in the test's database waits for a lock.
func lockWaited(t *testing.T, w *caseWorld) bool {
	t.Helper()
	var waits bool
	if err := w.db.NewRaw(`SELECT EXISTS (SELECT FROM pg_stat_activity
		WHERE wait_event_type = 'Lock' AND datname = current_database())`).Scan(context.Background(), &waits); err != nil {
		t.Fatal(err)
	}
	return waits
}

// content reads what a download of attachment id returns now.
func (w *caseWorld) content(t *testing.T, id string) []byte {
	t.Helper()
	_, rc, err := w.svc.Open(context.Background(), w.internal(w.writer), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// smallChunkFile is a case file of 8 KiB in a world whose store writes 1 KiB chunks, so that an
// upload can be paused between chunks; p is its writer.
func smallChunkFile(t *testing.T) (*caseWorld, *access.Principal, *Attachment) {
	t.Helper()
	w := newCaseWorld(t)
	w.svc.Store = PGStore{DB: w.db, ChunkBytes: 1 << 10}
	p := w.internal(w.writer)
	att, err := w.svc.AddToCase(context.Background(), p, w.caseID, File{Name: "v0.bin", Body: bytes.NewReader(bytes.Repeat([]byte("0"), 8<<10))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, p, att
}

// Two replacements of one file at once, the first paused in the middle of its upload while the
// second runs whole: both succeed (the later one to lock the case wins) and the file is one of the
// two, whole, stored as one version.
func TestConcurrentReplacesOfOneAttachment(t *testing.T) {
	w, p, att := smallChunkFile(t)
	ctx := context.Background()
	a, b := bytes.Repeat([]byte("a"), 8<<10+7), bytes.Repeat([]byte("b"), 5<<10+3)
	errA, errB := whileUploadPaused(t, w, func(r io.Reader) error {
		_, err := w.svc.Replace(ctx, p, att.ID, File{Name: "a.bin", Body: r}, nil)
		return err
	}, a, func() error {
		_, err := w.svc.Replace(ctx, p, att.ID, File{Name: "b.bin", Body: bytes.NewReader(b)}, nil)
		return err
	})
	if errA != nil || errB != nil {
		t.Fatalf("replace paused: %v; replace meanwhile: %v", errA, errB)
	}
	got := w.content(t, att.ID)
	if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
		t.Fatalf("read back %d bytes, neither file", len(got))
	}
	if n := count(t, w.db, `SELECT count(DISTINCT version) FROM attachment_chunks WHERE attachment_id = ?`, att.ID); n != 1 {
		t.Fatalf("%d versions left", n)
	}
}

// A replacement paused in the middle of its upload while the file is deleted: the delete succeeds,
// the replacement finds the file gone (NOT_FOUND) and leaves no chunk behind.
func TestReplaceWhileTheAttachmentIsDeleted(t *testing.T) {
	w, p, att := smallChunkFile(t)
	ctx := context.Background()
	errReplace, errDelete := whileUploadPaused(t, w, func(r io.Reader) error {
		_, err := w.svc.Replace(ctx, p, att.ID, File{Name: "a.bin", Body: r}, nil)
		return err
	}, bytes.Repeat([]byte("a"), 8<<10), func() error {
		_, err := w.svc.Delete(ctx, p, att.ID)
		return err
	})
	if errDelete != nil || !errors.Is(errReplace, apperr.ErrNotFound) {
		t.Fatalf("replace: %v; delete meanwhile: %v", errReplace, errDelete)
	}
	if n := count(t, w.db, `SELECT count(*) FROM attachments WHERE id = ?`, att.ID) +
		count(t, w.db, `SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, att.ID); n != 0 {
		t.Fatalf("%d rows left", n)
	}
}
