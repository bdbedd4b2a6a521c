package attachments

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"testing"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/dbtest"
)

// The migration to chunks cuts each existing content into 256 KiB chunks of one version and back:
// its down step, content written the old way, its up step, and the files read back intact.
func TestChunksMigration(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	exec := func(file string) {
		t.Helper()
		b, err := os.ReadFile("../../migrations/20261204000002_attachment_chunks.tx." + file + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	var docID string
	if err := db.NewRaw(`INSERT INTO documents (author_id, title) VALUES (?, 'd') RETURNING id`, access.SystemUserID).Scan(ctx, &docID); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 2*DefaultChunkBytes+5)
	_, _ = rand.Read(big)
	contents := map[string][]byte{}
	exec("down")
	for _, data := range [][]byte{big, big[:DefaultChunkBytes], {}, []byte("x")} {
		var id string
		if err := db.NewRaw(`INSERT INTO attachments (document_id, name, content_type, size, sha256) VALUES (?, 'a', 'x/y', ?, '') RETURNING id`,
			docID, len(data)).Scan(ctx, &id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewRaw(`INSERT INTO attachment_contents (attachment_id, data) VALUES (?, ?)`, id, data).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		contents[id] = data
	}
	exec("up")
	store := PGStore{DB: db}
	for id, want := range contents {
		if n := count(t, db, `SELECT count(DISTINCT version) FROM attachment_chunks WHERE attachment_id = ?`, id); n != 1 {
			t.Fatalf("%d versions", n)
		}
		rc, err := store.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := got.ReadFrom(rc); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%d bytes read back as %d (%v)", len(want), got.Len(), err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM attachment_chunks`); n != 3+1+1+1 {
		t.Fatalf("%d chunks, want 6", n)
	}
	exec("down") // and back again, intact
	for id, want := range contents {
		var got []byte
		if err := db.NewRaw(`SELECT data FROM attachment_contents WHERE attachment_id = ?`, id).Scan(ctx, &got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("down: %d bytes back as %d (%v)", len(want), len(got), err)
		}
	}
}
