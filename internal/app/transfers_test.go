package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/attachments"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// A file of several chunks goes in through the multipart upload and comes back byte for byte,
// stored as chunks (none holds the whole file).
func TestMultiChunkAttachmentRoundTrip(t *testing.T) {
	s := gqltest.Start(t)
	w := newAttachmentWorld(t, s, false)
	data := make([]byte, 3*attachments.DefaultChunkBytes+12345)
	_, _ = rand.Read(data)
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "dane.bin", "application/octet-stream", data), "addAttachment")
	if n := s.Count(`SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, a.ID); n != 4 {
		t.Fatalf("%d chunks, want 4", n)
	}
	if n := s.Count(`SELECT max(octet_length(data)) FROM attachment_chunks WHERE attachment_id = ?`, a.ID); n != attachments.DefaultChunkBytes {
		t.Fatalf("largest chunk %d bytes", n)
	}
	res, body := fetchAttachment(t, s, w.reader, a.DownloadURL)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, data) || res.Header.Get("Content-Length") != "798777" {
		t.Fatalf("download: %d, %d bytes (Content-Length %s), want %d", res.StatusCode, len(body), res.Header.Get("Content-Length"), len(data))
	}
	// Replaced by a smaller file: the old chunks go.
	a = mustAttachment(t, replaceAttachment(t, w.author, a.ID, "mniej.bin", "application/octet-stream", data[:10]), "replaceAttachment")
	if n := s.Count(`SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, a.ID); n != 1 || a.Size != 10 {
		t.Fatalf("after replace: %d chunks, size %d", n, a.Size)
	}
	if _, body := fetchAttachment(t, s, w.reader, a.DownloadURL); !bytes.Equal(body, data[:10]) {
		t.Fatalf("after replace: %q", body)
	}
}

// Downloads and uploads running at once are bounded per principal and in total: over a bound a
// download is 429 with Retry-After and an upload RATE_LIMITED, and a finished transfer frees its
// slot. Downloads are held in flight by a lock on the chunks, which their first read waits for.
func TestTransfersAreBounded(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxTransfers, c.MaxTransfersPerPrincipal = 2, 1 })
	w := newAttachmentWorld(t, s, false)
	data := []byte("plik w drodze")
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "a.txt", "text/plain", data), "addAttachment")

	lock := lockChunks(t, s, "ACCESS EXCLUSIVE")
	type result struct {
		status int
		body   []byte
	}
	held := make(chan result, 2)
	for _, c := range []*gqltest.Client{w.author, w.reader} {
		go func() {
			res, body := fetchAttachment(t, s, c, a.DownloadURL)
			held <- result{res.StatusCode, body}
		}()
	}
	waitForLockWaiters(t, s, 2)

	// The author has one download running: a second is refused, and so is an upload.
	res, body := fetchAttachment(t, s, w.author, a.DownloadURL)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !bytes.Contains(body, []byte(`"RATE_LIMITED"`)) {
		t.Fatalf("second download of one principal: %d %q Retry-After %q", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	addAttachment(t, w.author, w.documentID, "b.txt", "text/plain", data).MustFail(t, "RATE_LIMITED")
	// Two are running in all: a third principal is refused too.
	if res, body := fetchAttachment(t, s, w.stranger, a.DownloadURL); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the total bound: %d %q", res.StatusCode, body)
	}

	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r := <-held; r.status != http.StatusOK || !bytes.Equal(r.body, data) {
			t.Fatalf("held download: %d %q", r.status, r.body)
		}
	}
	// The slots are free again.
	if res, body := fetchAttachment(t, s, w.author, a.DownloadURL); res.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("after the others ended: %d %q", res.StatusCode, body)
	}
	mustAttachment(t, addAttachment(t, w.author, w.documentID, "b.txt", "text/plain", data), "addAttachment")
	downloadFails(t, s, w.stranger, a.DownloadURL, http.StatusNotFound, "NOT_FOUND")
}

// lockChunks holds a lock of the given mode on attachment_chunks until the returned transaction
// ends (rolled back at the test's end at the latest), so that transfers wait in flight.
func lockChunks(t *testing.T, s *gqltest.Server, mode string) bun.Tx {
	t.Helper()
	ctx := context.Background()
	lock, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lock.Rollback() })
	if _, err := lock.ExecContext(ctx, `LOCK TABLE attachment_chunks IN `+mode+` MODE`); err != nil {
		t.Fatal(err)
	}
	return lock
}

// waitForLockWaiters waits (up to 30 s) until n statements wait for a lock on attachment_chunks:
// the downloads are then past the transfer bound and in flight.
func waitForLockWaiters(t *testing.T, s *gqltest.Server, n int) {
	t.Helper()
	_, err := s.DB.ExecContext(context.Background(), `DO $$ BEGIN
		FOR i IN 1..3000 LOOP
			PERFORM pg_stat_clear_snapshot();
			IF (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
				AND query LIKE '%attachment_chunks%' AND datname = current_database()) >= `+strconv.Itoa(n)+` THEN
				RETURN;
			END IF;
			PERFORM pg_sleep(0.01);
		END LOOP;
		RAISE EXCEPTION 'no % downloads wait for the chunks', `+strconv.Itoa(n)+`;
	END $$`)
	if err != nil {
		t.Fatal(err)
	}
}

// Uploads hold a database connection while they write, so they have a bound of their own below
// the shared one: over it an upload is RATE_LIMITED while downloads still run.
func TestUploadsHaveTheirOwnBound(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxUploads = 1 })
	w := newAttachmentWorld(t, s, false)
	data := []byte("plik w drodze")
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "a.txt", "text/plain", data), "addAttachment")

	lock := lockChunks(t, s, "EXCLUSIVE")
	held := make(chan *gqltest.Response, 1)
	go func() { held <- addAttachment(t, w.author, w.documentID, "b.txt", "text/plain", data) }()
	waitForLockWaiters(t, s, 1)

	addAttachment(t, w.reader, w.documentID, "c.txt", "text/plain", data).MustFail(t, "RATE_LIMITED")
	// EXCLUSIVE lets reads through: a download runs beside the upload.
	if res, body := fetchAttachment(t, s, w.reader, a.DownloadURL); res.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download beside the upload: %d %q", res.StatusCode, body)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	mustAttachment(t, <-held, "addAttachment")
	mustAttachment(t, addAttachment(t, w.author, w.documentID, "c.txt", "text/plain", data), "addAttachment")
}
