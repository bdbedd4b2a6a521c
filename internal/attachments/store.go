package attachments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
)

// Store keeps attachments' content, by attachment id. The service calls Put, Keep and Delete inside
// the transaction that writes the metadata and the audit record, passing it as db: PGStore writes
// in that transaction, so a failed write leaves nothing. A store outside PostgreSQL (an object
// store) ignores db; it must then tolerate content whose transaction rolled back (write under a
// fresh key and sweep orphans, or delete only after commit), since the metadata is the record of
// truth.
//
// A content is written in two steps so that streaming it locks nothing another writer may wait
// for: Put writes a new version beside the current one, before the service locks the owner and
// the attachment; Keep, under those locks, makes it the current one and drops the others.
//
// Content streams both ways: a store never holds a whole file in memory, only a chunk of it.
type Store interface {
	// Put stores what r yields as a new version of the content of attachment id and returns it;
	// the current content stays as it is until Keep. Put touches nothing but what it writes. An
	// error of r (an upload over its limit) ends it and is returned wrapped.
	Put(ctx context.Context, db bun.IDB, id string, r io.Reader) (version string, err error)
	// Keep makes version (from Put) the content of attachment id and drops every other version.
	// The caller holds the attachment's lock, so that writers of one attachment keep one by one.
	Keep(ctx context.Context, db bun.IDB, id, version string) error
	// Open returns the content of attachment id as it is now; the caller closes it. No content is
	// NOT_FOUND. The reader reads under ctx. Content replaced or deleted while it is read is
	// ErrContentChanged, never a mix of two files.
	Open(ctx context.Context, id string) (Content, error)
	// Delete removes the content of attachment id; deleting what is not there is no error.
	Delete(ctx context.Context, db bun.IDB, id string) error
}

// Content is an attachment's content being read, with its size in bytes.
type Content interface {
	io.ReadCloser
	Size() int64
}

// ErrContentChanged ends a read whose content was replaced or deleted after it was opened.
var ErrContentChanged = errors.New("the attachment's content changed while it was read")

// DefaultChunkBytes is PGStore's chunk size: what one upload or download holds in memory at a time
// (twice that while a chunk crosses the wire, as hex text), and few enough rows per file (100 for
// 25 MiB) that reading one per statement costs little.
const DefaultChunkBytes = 256 << 10

// PGStore keeps content in the attachment_chunks table: chunks of ChunkBytes numbered from 0, all
// of one content under one version (at least one chunk; an empty file has one empty chunk).
//
// What is committed holds one version of an attachment, its current content: Put's chunks are seen
// by other transactions only once the transaction that wrote them commits, and it commits only
// after Keep dropped every other version.
//
// A reader fetches one chunk per statement, outside any transaction, so a slow client holds no
// pool connection between chunks; each statement sees one snapshot, and asking for the version
// it opened makes a replacement in between visible as ErrContentChanged.
type PGStore struct {
	DB bun.IDB
	// ChunkBytes is the size of the chunks Put writes; 0 is DefaultChunkBytes. Readers take chunks
	// of any size.
	ChunkBytes int
}

var _ Store = PGStore{}

// Put writes r's chunks in order under a fresh version. It only inserts, so it waits for no lock
// of another writer and holds none another waits for (the chunks' foreign key is checked at
// commit, after the service locked the attachment).
func (s PGStore) Put(ctx context.Context, db bun.IDB, id string, r io.Reader) (string, error) {
	size := s.ChunkBytes
	if size <= 0 {
		size = DefaultChunkBytes
	}
	version, buf := uuid.NewString(), make([]byte, size)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		switch {
		case errors.Is(err, io.EOF) && seq > 0:
			return version, nil // the last chunk was full
		case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
			return "", fmt.Errorf("read attachment content: %w", err)
		}
		if _, err := db.NewRaw(`INSERT INTO attachment_chunks (attachment_id, version, seq, data) VALUES (?, ?, ?, ?)`,
			id, version, seq, buf[:n]).Exec(ctx); err != nil {
			return "", fmt.Errorf("store attachment content: %w", err)
		}
		if err != nil {
			return version, nil // a short (or empty) chunk is the last
		}
	}
}

// Keep deletes the chunks of the other versions: the ones committed before, and those of a writer
// that committed while this one waited for the attachment's lock.
func (s PGStore) Keep(ctx context.Context, db bun.IDB, id, version string) error {
	if _, err := db.NewRaw(`DELETE FROM attachment_chunks WHERE attachment_id = ? AND version <> ?`, id, version).Exec(ctx); err != nil {
		return fmt.Errorf("replace attachment content: %w", err)
	}
	return nil
}

// Open finds the current version, its chunks and size; the chunks are read as the reader needs them.
func (s PGStore) Open(ctx context.Context, id string) (Content, error) {
	c := &chunks{ctx: ctx, db: s.DB, id: id}
	err := s.DB.NewRaw(`SELECT version, count(*), sum(octet_length(data)) FROM attachment_chunks
		WHERE attachment_id = ? GROUP BY version`, id).Scan(ctx, &c.version, &c.count, &c.size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("attachment")
	}
	if err != nil {
		return nil, fmt.Errorf("open attachment content: %w", err)
	}
	return c, nil
}

// Delete removes the chunks.
func (s PGStore) Delete(ctx context.Context, db bun.IDB, id string) error {
	if _, err := db.NewRaw(`DELETE FROM attachment_chunks WHERE attachment_id = ?`, id).Exec(ctx); err != nil {
		return fmt.Errorf("delete attachment content: %w", err)
	}
	return nil
}

// chunks reads one version of a content chunk by chunk, holding one chunk at a time.
type chunks struct {
	ctx     context.Context
	db      bun.IDB
	id      string
	version string
	count   int
	size    int64
	next    int    // the next chunk to fetch
	buf     []byte // what is left of the chunk fetched last
}

// Size is the content's length in bytes.
func (c *chunks) Size() int64 { return c.size }

func (c *chunks) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.next >= c.count {
			return 0, io.EOF
		}
		if err := c.fetch(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// WriteTo hands w whole chunks (io.Copy uses it), one Write per chunk.
func (c *chunks) WriteTo(w io.Writer) (int64, error) {
	var written int64
	for {
		if len(c.buf) == 0 {
			if c.next >= c.count {
				return written, nil
			}
			if err := c.fetch(); err != nil {
				return written, err
			}
			continue
		}
		n, err := w.Write(c.buf)
		written += int64(n)
		c.buf = c.buf[n:]
		if err != nil {
			return written, err
		}
	}
}

func (c *chunks) fetch() error {
	var data []byte
	err := c.db.NewRaw(`SELECT data FROM attachment_chunks WHERE attachment_id = ? AND version = ? AND seq = ?`,
		c.id, c.version, c.next).Scan(c.ctx, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrContentChanged
	}
	if err != nil {
		return fmt.Errorf("read attachment content: %w", err)
	}
	c.buf = data
	c.next++
	return nil
}

// Close drops the chunk held.
func (c *chunks) Close() error {
	c.buf, c.next = nil, c.count
	return nil
}
