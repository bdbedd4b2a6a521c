package attachments

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/documents"
)

// LimitName is extensions.limit of a file over the size limit.
const LimitName = "ATTACHMENT_SIZE"

// DefaultMaxBytes is the default size limit of one attachment (25 MiB).
const DefaultMaxBytes = 25 << 20

// Service runs attachment operations. Every decision about a document goes through
// documents.Service and every decision about a case through cases.Service, the places that load
// them with their facts.
type Service struct {
	DB        *bun.DB
	Clock     clockwork.Clock
	Documents *documents.Service
	Cases     *cases.Service
	Store     Store
	// MaxBytes bounds one attachment's content (--max-attachment-bytes); 0 means DefaultMaxBytes.
	MaxBytes int64
}

// List returns the attachments of a document already loaded for p, oldest first: for a guest only
// those shared with external principals (access.AttachmentVisible), as on a case.
func (s *Service) List(ctx context.Context, p *access.Principal, d *documents.Document) ([]Attachment, error) {
	if d.Rights().Right < access.Read {
		return nil, apperr.NotFound("document")
	}
	all, err := s.list(ctx, "document_id", d.ID)
	out := all[:0]
	for _, a := range all {
		if access.AttachmentVisible(p, a.VisibleToExternal) {
			a.doc = d
			out = append(out, a)
		}
	}
	return out, err
}

// Document returns the attachment's document as p sees it; a case's attachment has none (NOT_FOUND).
func (s *Service) Document(ctx context.Context, p *access.Principal, a *Attachment) (*documents.Document, error) {
	if a.doc != nil {
		return a.doc, nil
	}
	if a.DocumentID == nil {
		return nil, apperr.NotFound("document")
	}
	return s.Documents.Get(ctx, p, *a.DocumentID)
}

// Add attaches a file to a document. Needs WRITE on the document. visible asks to share it with
// the guests who read the document (access.AttachmentVisible).
func (s *Service) Add(ctx context.Context, p *access.Principal, documentID string, f File, visible *bool) (*Attachment, error) {
	return s.add(ctx, p, owner{documentID: documentID}, f, visible)
}

// add attaches a file to a document or a case, after locking it and deciding WRITE on it afresh.
// visible asks to share the file with external principals (access.AttachmentVisibility decides).
func (s *Service) add(ctx context.Context, p *access.Principal, o owner, f File, visible *bool) (*Attachment, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	u, err := s.upload(f)
	if err != nil {
		return nil, err
	}
	var a *Attachment
	var version string
	id := uuid.NewString() // the chunks are written first, under the id the row will have
	o, err = s.write(ctx, p, o, s.put(&version, id, u),
		func(ctx context.Context, tx bun.Tx, o owner) error {
			now := s.now()
			a = &Attachment{ID: id, DocumentID: optional(o.documentID), CaseID: optional(o.caseID), Name: cleanName(f.Name),
				ContentType: contentType(f.ContentType, u.head), Size: u.n, Digest: u.hash.Sum(nil),
				CreatedByID: optional(p.UserID), GrantID: optional(p.GrantID), CreatedAt: now, ModifiedAt: now,
				VisibleToExternal: access.AttachmentVisibility(p, visible)}
			if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
				return fmt.Errorf("insert attachment: %w", err)
			}
			if err := s.Store.Keep(ctx, tx, id, version); err != nil {
				return err
			}
			return audit.Append(ctx, tx, p, now, audit.Entry{Action: "attachment.add", Entity: "attachment", EntityID: a.ID,
				ChangedFields: []string{o.field(), "name", "contentType", "size", "content"}})
		})
	if err != nil {
		return nil, err
	}
	o.give(a)
	return a, nil
}

// Replace replaces an attachment's content, name and type. created_at stays; modified_at moves.
// Needs WRITE on its document or case.
//
// visible, when set, shares the file with external principals or stops sharing it (an employee's
// choice; what external principals replace stays shared).
func (s *Service) Replace(ctx context.Context, p *access.Principal, id string, f File, visible *bool) (*Attachment, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	u, err := s.upload(f)
	if err != nil {
		return nil, err
	}
	found, err := s.reach(ctx, p, id)
	if err != nil {
		return nil, err
	}
	var a *Attachment
	var version string
	o, err := s.write(ctx, p, ownerOf(found), s.put(&version, found.ID, u), func(ctx context.Context, tx bun.Tx, o owner) error {
		a = new(Attachment)
		err := tx.NewSelect().Model(a).Where("id = ? AND ? = ?", id, bun.Ident(o.column()), o.id()).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("attachment") // deleted meanwhile
		} else if err != nil {
			return fmt.Errorf("load attachment: %w", err)
		}
		if err := mayChange(p, a); err != nil {
			return err
		}
		if err := s.Store.Keep(ctx, tx, a.ID, version); err != nil {
			return err
		}
		now := s.now()
		a.Name, a.ContentType, a.Size, a.Digest, a.ModifiedAt = cleanName(f.Name), contentType(f.ContentType, u.head), u.n, u.hash.Sum(nil), now
		if visible != nil || p.External() {
			a.VisibleToExternal = access.AttachmentVisibility(p, visible)
		}
		if _, err := tx.NewUpdate().Model(a).Column("name", "content_type", "size", "sha256", "modified_at", "visible_to_external").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update attachment: %w", err)
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "attachment.replace", Entity: "attachment", EntityID: a.ID,
			ChangedFields: []string{"name", "contentType", "size", "content"}})
	})
	if err != nil {
		return nil, hideOwner(err)
	}
	o.give(a)
	return a, nil
}

// Delete deletes an attachment and returns it as it was, with its owner loaded for p (the
// document's attachments are listed afresh). Needs WRITE on its document or case.
func (s *Service) Delete(ctx context.Context, p *access.Principal, id string) (*Attachment, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	a, err := s.reach(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, err := s.write(ctx, p, ownerOf(a), nil, func(ctx context.Context, tx bun.Tx, o owner) error {
		if err := mayChange(p, a); err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*Attachment)(nil)).Where("id = ? AND ? = ?", a.ID, bun.Ident(o.column()), o.id()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete attachment: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("attachment") // deleted meanwhile
		}
		if err := s.Store.Delete(ctx, tx, a.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, s.now(), audit.Entry{Action: "attachment.delete", Entity: "attachment", EntityID: a.ID,
			ChangedFields: []string{o.field()}})
	})
	if err != nil {
		return nil, hideOwner(err)
	}
	o.give(a)
	return a, nil
}

// Open returns an attachment p may read (READ on its document or case; NOT_FOUND otherwise) with
// its content; the caller closes the content. Reading an attachment of a confidential document is
// audited like reading the document: documents.Service.Get records document.read, and Open adds
// attachment.read naming the file.
func (s *Service) Open(ctx context.Context, p *access.Principal, id string) (*Attachment, io.ReadCloser, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, nil, err
	}
	a, err := s.reach(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.readOwner(ctx, p, a); err != nil {
		return nil, nil, hideOwner(err)
	}
	rc, err := s.Store.Open(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	a.Size = rc.Size() // the content read wins over metadata read a moment before it (a replace in between)
	return a, rc, nil
}

// readOwner loads a's owner as p sees it (NOT_FOUND without READ) and audits reading a file of a
// confidential document.
func (s *Service) readOwner(ctx context.Context, p *access.Principal, a *Attachment) error {
	if a.CaseID != nil {
		c, err := s.Cases.Get(ctx, p, *a.CaseID)
		a.kase = c
		return err
	}
	d, err := s.Documents.Get(ctx, p, *a.DocumentID)
	if err != nil {
		return err
	}
	a.doc = d
	if !d.Confidential {
		return nil
	}
	return audit.Append(ctx, s.DB, p, s.now(), audit.Entry{Action: "attachment.read", Entity: "attachment", EntityID: a.ID})
}

// write runs fn in one transaction on a document or case p holds WRITE on, and returns it loaded.
// The owner is locked and its facts read afresh inside the transaction (documents.Service.LockFor,
// cases.Service.LockFor), so a concurrent change of its ACL, tasks, position or stage cannot slip
// between check and write.
//
// content, when not nil, runs first in the same transaction, before the owner is locked: it
// streams an upload into the store, which takes as long as the file does, and holding the owner's
// lock meanwhile would queue every other write on it (and time out the queue). So that nothing is
// streamed for a caller who may not write, WRITE is decided once before, in a short transaction of
// its own; the decision that counts is the one under the lock.
//
// Lock order, the same for every writer of attachments, so that none waits for another in a
// circle (a deadlock) and none finds another's rows in its way (a duplicate key):
//
//  1. the owner (document or case row), in LockFor;
//  2. the attachment's row: Replace selects it FOR UPDATE, Delete deletes it, a document's or
//     case's delete deletes it by cascade;
//  3. the attachment's committed chunks: Store.Keep in Add and Replace deletes the other
//     versions', Delete (Store.Delete and the cascade) and the owner's cascade delete them all.
//
// What an upload does before step 1 takes no lock another writer waits for: Store.Put only
// inserts chunks under a fresh version (uncommitted rows no one else sees, and a primary key that
// includes the version), and their foreign key to the attachment is checked at commit, when the
// writer already holds the attachment's row (or inserted it). A replace that locks the owner after
// a delete finds no row (NOT_FOUND) and its rollback drops its chunks.
func (s *Service) write(ctx context.Context, p *access.Principal, o owner, content func(context.Context, bun.Tx) error,
	fn func(context.Context, bun.Tx, owner) error) (owner, error) {
	if content != nil {
		if _, err := s.write(ctx, p, o, nil, func(context.Context, bun.Tx, owner) error { return nil }); err != nil {
			return o, err
		}
	}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if content != nil {
			if err := content(ctx, tx); err != nil {
				return err
			}
		}
		var err error
		if o, err = s.lock(ctx, tx, p, o); err != nil {
			return err
		}
		return fn(ctx, tx, o)
	})
	return o, err
}

// list reads the attachments whose owner column equals id, oldest first.
func (s *Service) list(ctx context.Context, column, id string) ([]Attachment, error) {
	out := []Attachment{}
	if err := s.DB.NewSelect().Model(&out).Where("? = ?", bun.Ident(column), id).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return out, nil
}

// upload prepares a file for the store, refusing one announced over the limit; what the store
// reads from it is checked as it goes (upload.Read).
func (s *Service) upload(f File) (*upload, error) {
	limit := s.limit()
	tooLarge := apperr.OverLimit("file", LimitName, fmt.Sprintf("the file is over the limit of %d bytes", limit))
	if f.Body == nil {
		return nil, apperr.Input("file", "no file was uploaded")
	}
	if f.Size > limit {
		return nil, tooLarge
	}
	// The first bytes tell the type of a file sent without one (http.DetectContentType reads 512).
	br := bufio.NewReaderSize(f.Body, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return &upload{r: br, head: bytes.Clone(head), limit: limit, tooLarge: tooLarge, hash: sha256.New()}, nil
}

// limit is MaxBytes, or DefaultMaxBytes when it is not set.
func (s *Service) limit() int64 {
	if s.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return s.MaxBytes
}

// byID loads an attachment's metadata; an id that is not a uuid or names nothing is NOT_FOUND.
func (s *Service) byID(ctx context.Context, id string) (*Attachment, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("attachment")
	}
	a := new(Attachment)
	err := s.DB.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("attachment")
	} else if err != nil {
		return nil, fmt.Errorf("load attachment: %w", err)
	}
	return a, nil
}

// now is the server's time, at PostgreSQL's precision, so what a write returns equals what a read
// of the same row returns.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// put is the content step of a write: it streams u into the store under a new version of the
// attachment id, which it keeps in version for the step that makes it the content.
func (s *Service) put(version *string, id string, u *upload) func(context.Context, bun.Tx) error {
	return func(ctx context.Context, tx bun.Tx) (err error) {
		*version, err = s.Store.Put(ctx, tx, id, u)
		return err
	}
}
