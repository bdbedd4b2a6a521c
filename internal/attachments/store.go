package attachments

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
)

// Store keeps attachments' content, by attachment id. The service calls Put and Delete inside the
// transaction that writes the metadata and the audit record, passing it as db: PGStore writes in
// that transaction, so a failed write leaves nothing. A store outside PostgreSQL (an object store)
// ignores db; it must then tolerate content whose transaction rolled back (write under a fresh key
// and sweep orphans, or delete only after commit), since the metadata is the record of truth.
type Store interface {
	// Put stores data as the content of attachment id, replacing what was there.
	Put(ctx context.Context, db bun.IDB, id string, data []byte) error
	// Open returns the content of attachment id; the caller closes it. No content is NOT_FOUND.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes the content of attachment id; deleting what is not there is no error.
	Delete(ctx context.Context, db bun.IDB, id string) error
}

// PGStore keeps content in the attachment_contents table (bytea).
type PGStore struct{ DB bun.IDB }

var _ Store = PGStore{}

// Put upserts the content row.
func (s PGStore) Put(ctx context.Context, db bun.IDB, id string, data []byte) error {
	if data == nil {
		data = []byte{} // bytea NOT NULL: an empty file is zero bytes, not NULL
	}
	_, err := db.NewRaw(`INSERT INTO attachment_contents (attachment_id, data) VALUES (?, ?)
		ON CONFLICT (attachment_id) DO UPDATE SET data = EXCLUDED.data`, id, data).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store attachment content: %w", err)
	}
	return nil
}

// Open reads the whole content; attachments are bounded by the upload limit.
func (s PGStore) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	var data []byte
	err := s.DB.NewRaw(`SELECT data FROM attachment_contents WHERE attachment_id = ?`, id).Scan(ctx, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("attachment")
	}
	if err != nil {
		return nil, fmt.Errorf("read attachment content: %w", err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete removes the content row.
func (s PGStore) Delete(ctx context.Context, db bun.IDB, id string) error {
	if _, err := db.NewRaw(`DELETE FROM attachment_contents WHERE attachment_id = ?`, id).Exec(ctx); err != nil {
		return fmt.Errorf("delete attachment content: %w", err)
	}
	return nil
}
