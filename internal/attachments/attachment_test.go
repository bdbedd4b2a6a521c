package attachments

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"notatka.txt":                 "notatka.txt",
		`C:\Users\alicja\notatka.txt`: "notatka.txt", // browsers on Windows may send the path
		"../../etc/passwd":            "passwd",
		`folder/sub\file name.tar.gz`: "file name.tar.gz",
		"trailing-slash/":             "trailing-slash",
		"  spacja .pdf ":              "spacja .pdf",
		"linia\r\nX-Evil: 1.txt":      "liniaX-Evil: 1.txt",
		"\x00nul\ttab.txt":            "nultab.txt",
		"bad\xffutf8.txt":             "badutf8.txt",
		"evil\u202etxt.exe":           "eviltxt.exe", // no bidi override that shows .exe as .txt
		"Zażółć gęślą jaźń.odt":       "Zażółć gęślą jaźń.odt",
		`a;b="c".txt`:                 `a;b="c".txt`, // kept: the download header encodes it
		strings.Repeat("ą", 300):      strings.Repeat("ą", maxNameRunes),
		"":                            "attachment",
		"/":                           "attachment",
		"..":                          "attachment",
		"dot/.":                       "attachment",
		"only spaces/   ":             "attachment",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, c := range []struct {
		header string
		data   []byte
		want   string
	}{
		{"text/plain; charset=utf-8", []byte("x"), "text/plain; charset=utf-8"},
		{"IMAGE/PNG", png, "image/png"},
		{"", png, "image/png"},                                       // no header: detected
		{"", []byte("%PDF-1.7"), "application/pdf"},                  // detected
		{"not a type", []byte("hello"), "text/plain; charset=utf-8"}, // unparsable: detected
		{"text/html\r\nX-Evil: 1", []byte("x"), "text/plain; charset=utf-8"},
		{"", nil, "text/plain; charset=utf-8"}, // what DetectContentType says of nothing
	} {
		if got := contentType(c.header, c.data); got != c.want {
			t.Errorf("contentType(%q, %q) = %q, want %q", c.header, c.data, got, c.want)
		}
	}
}

func TestUploadRefusesOverTheLimit(t *testing.T) {
	s := &Service{MaxBytes: 4}
	read := func(f File) ([]byte, error) {
		u, err := s.upload(f)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(u)
	}
	if data, err := read(File{Body: strings.NewReader("1234"), Size: 4}); err != nil || string(data) != "1234" {
		t.Fatalf("at the limit: %q %v", data, err)
	}
	// Over the limit whether announced or not: the bytes read are what counts.
	for _, f := range []File{{Body: strings.NewReader("12345"), Size: 5}, {Body: strings.NewReader("12345"), Size: 1}} {
		_, err := read(f)
		var in *apperr.InputError
		if !errors.As(err, &in) || in.Field != "file" || in.Limit != LimitName {
			t.Fatalf("over the limit: %v", err)
		}
	}
	if _, err := read(File{}); !errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("no file: %v", err)
	}
	if got := (&Service{}).limit(); got != DefaultMaxBytes {
		t.Fatalf("default limit %d", got)
	}
}

func TestPGStore(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var docID, id string
	if err := db.NewRaw(`INSERT INTO documents (author_id, title) VALUES (?, 'd') RETURNING id`, access.SystemUserID).Scan(ctx, &docID); err != nil {
		t.Fatal(err)
	}
	if err := db.NewRaw(`INSERT INTO attachments (document_id, name, content_type, size, sha256) VALUES (?, 'a', 'text/plain', 0, '') RETURNING id`,
		docID).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	var store Store = PGStore{DB: db, ChunkBytes: 4}
	read := func() []byte {
		t.Helper()
		rc, err := store.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if n := rc.Size(); n != int64(len(b)) {
			t.Fatalf("Size() = %d, read %d bytes", n, len(b))
		}
		return b
	}
	chunks := func() int { return count(t, db, `SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, id) }
	put := func(r io.Reader) error { // as the service does it, in one transaction
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			version, err := store.Put(ctx, tx, id, r)
			if err != nil {
				return err
			}
			return store.Keep(ctx, tx, id, version)
		})
	}
	if err := put(bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	if b := read(); len(b) != 0 || chunks() != 1 {
		t.Fatalf("empty file read back as %q from %d chunks", b, chunks())
	}
	// Binary content across chunks: partial last chunk, exactly full chunks.
	for _, content := range [][]byte{{0, 1, 2, 0xff, '\\', '\'', 'x'}, []byte("12345678"), []byte("abc")} {
		if err := put(bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		if b := read(); !bytes.Equal(b, content) {
			t.Fatalf("read back %q, want %q", b, content)
		}
		if want := max(1, (len(content)+3)/4); chunks() != want {
			t.Fatalf("%q in %d chunks, want %d", content, chunks(), want)
		}
	}
	// A reader's error ends Put and comes back wrapped.
	boom := errors.New("boom")
	if err := put(io.MultiReader(strings.NewReader("123456"), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Fatalf("put with a failing reader: %v", err)
	}
	if b := read(); string(b) != "abc" || chunks() != 1 {
		t.Fatalf("after a failed put: %q in %d chunks", b, chunks())
	}
	// Until Keep, a new version stands beside the current one (the same seq, no conflict), and
	// what is committed is the current one.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, tx, id, strings.NewReader("xyz")); err != nil {
		t.Fatal(err)
	}
	if n := count(t, tx, `SELECT count(DISTINCT version) FROM attachment_chunks WHERE attachment_id = ?`, id); n != 2 {
		t.Fatalf("%d versions in the writing transaction", n)
	}
	if b := read(); string(b) != "abc" {
		t.Fatalf("read %q before the new version is kept", b)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A content replaced while it is read is an error, not a mix of the two.
	if err := put(strings.NewReader("old-old-old-")); err != nil {
		t.Fatal(err)
	}
	rc, err := store.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 4)
	if _, err := io.ReadFull(rc, first); err != nil || string(first) != "old-" {
		t.Fatalf("first chunk %q %v", first, err)
	}
	if err := put(strings.NewReader("new-new-new-")); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(rc); !errors.Is(err, ErrContentChanged) {
		t.Fatalf("read after a replace: %q %v", rest, err)
	}
	for range 2 { // deleting twice is no error
		if err := store.Delete(ctx, db, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Open(ctx, id); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}
}

func count(t *testing.T, db bun.IDB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
