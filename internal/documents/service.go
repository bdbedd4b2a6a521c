package documents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/notify"
	"github.com/casegate/casegate/internal/relay"
)

// Service runs document operations.
type Service struct {
	DB    *bun.DB
	Clock clockwork.Clock
	Cases *cases.Service
	// Principal builds the principal of another user, for explainDocumentAccess.
	Principal func(ctx context.Context, userID string) (*access.Principal, error)
	// Notify mails the assignee of a document task; nil mails nobody.
	Notify *notify.Tasks
}

// Input is a new document.
type Input struct {
	CaseID       *string
	Title        string
	Body         *string
	PositionID   *string
	ClientID     *string
	Confidential bool
}

// load reads a document with its facts and decides for p; one p may not read is NOT_FOUND. Reading
// a confidential document is audited (who, as whom, when).
func (s *Service) load(ctx context.Context, db bun.IDB, p *access.Principal, id string, forUpdate bool) (*Document, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("document")
	}
	if forUpdate {
		// Lock, then read the facts in a fresh statement (see cases.Service.load for why).
		var locked string
		if err := db.NewSelect().Model((*Document)(nil)).Column("id").Where("id = ?", id).For("UPDATE").Scan(ctx, &locked); errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.NotFound("document")
		} else if err != nil {
			return nil, fmt.Errorf("lock document: %w", err)
		}
	}
	d := new(Document)
	q := db.NewSelect().Model(d).Apply(withFacts).Where("d.id = ?", id)
	if err := q.Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("document")
	} else if err != nil {
		return nil, fmt.Errorf("load document: %w", err)
	}
	d.rights = access.DocumentRightsOn(p, d.Facts())
	if d.rights.Right < access.Read {
		return nil, apperr.NotFound("document")
	}
	return d, nil
}

// Get returns a document p may read. Reading a confidential one is audited.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Document, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, s.DB, p, id, false)
	if err != nil {
		return nil, err
	}
	if d.Confidential {
		if err := audit.Append(ctx, s.DB, p, s.Clock.Now(), audit.Entry{Action: "document.read", Entity: "document", EntityID: d.ID}); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Create adds a document; its author is the effective user. A document inside a case needs WRITE
// on the case.
func (s *Service) Create(ctx context.Context, p *access.Principal, in Input) (*Document, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" || len(title) > 300 || !forms.ValidText(title) || !forms.ValidText(deref(in.Body)) {
		return nil, apperr.Input("title", "must have 1 to 300 characters")
	}
	now := s.Clock.Now()
	d := &Document{CaseID: in.CaseID, AuthorID: p.UserID, Title: title, Body: deref(in.Body), Confidential: in.Confidential,
		ClientID: in.ClientID, PositionID: in.PositionID, Version: 1, CreatedAt: now, UpdatedAt: now}
	var out *Document
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if in.CaseID != nil {
			if err := s.Cases.RequireOn(ctx, tx, p, *in.CaseID, access.Write); err != nil {
				return err
			}
		}
		if err := checkLink(ctx, tx, "positionId", "positions", in.PositionID); err != nil {
			return err
		}
		if err := checkLink(ctx, tx, "clientId", "clients", in.ClientID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(d).Returning("id").Exec(ctx); err != nil {
			return err
		}
		var err error
		if out, err = s.load(ctx, tx, p, d.ID, false); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "document.create", Entity: "document", EntityID: d.ID,
			ChangedFields: []string{"title", "body", "caseId", "positionId", "clientId", "confidential"}})
	})
	return out, err
}

// UpdateInput changes the fields that are set.
type UpdateInput struct {
	Title        *string
	Body         *string
	Confidential *bool
}

// Update changes a document's title or body (WRITE) or its confidentiality (MANAGE).
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, in UpdateInput) (*Document, error) {
	need := access.Write
	if in.Confidential != nil {
		need = access.Manage
	}
	return s.change(ctx, p, id, need, "document.update", func(ctx context.Context, tx bun.Tx, d *Document) ([]string, error) {
		var changed []string
		if in.Title != nil {
			t := strings.TrimSpace(*in.Title)
			if t == "" || len(t) > 300 || !forms.ValidText(t) {
				return nil, apperr.Input("title", "must have 1 to 300 characters")
			}
			d.Title, changed = t, append(changed, "title")
		}
		if in.Body != nil {
			if !forms.ValidText(*in.Body) {
				return nil, apperr.Input("body", "must be UTF-8 text without NUL characters")
			}
			d.Body, changed = *in.Body, append(changed, "body")
		}
		if in.Confidential != nil {
			d.Confidential, changed = *in.Confidential, append(changed, "confidential")
		}
		if len(changed) == 0 {
			return nil, apperr.Input("input", "names no field to change")
		}
		_, err := tx.NewUpdate().Model(d).Column("title", "body", "confidential").WherePK().Exec(ctx)
		return changed, err
	})
}

// change runs a write on a document the caller holds need on, bumps its version and audits it.
func (s *Service) change(ctx context.Context, p *access.Principal, id string, need access.Right, action string,
	write func(context.Context, bun.Tx, *Document) ([]string, error)) (*Document, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	var out *Document
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		d, err := s.load(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if d.rights.Right < need {
			return apperr.Forbidden(fmt.Sprintf("%s on the document is needed", need))
		}
		changed, err := write(ctx, tx, d)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.NewUpdate().Model((*Document)(nil)).Set("version = version + 1, updated_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if out, err = s.load(ctx, tx, p, id, false); errors.Is(err, apperr.ErrNotFound) {
			out, err = d, nil // the caller shut itself out (e.g. its own deny entry); report what it changed
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: action, Entity: "document", EntityID: id, ChangedFields: changed})
	})
	return out, err
}

// List returns the documents p may read, newest first, by one SQL query whose predicate is the
// document rules (access.VisibleDocuments).
func (s *Service) List(ctx context.Context, p *access.Principal, f Filter, page relay.Args) (relay.Page[*Document], error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return relay.Page[*Document]{}, err
	}
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[*Document]{}, err
	}
	// The page's ids first, then those rows with their facts (see cases.Service.List).
	var ids *bun.SelectQuery
	if f == (Filter{}) {
		if k, ok := access.KeyedDocuments(p, (*access.ListKey)(after), limit+1); ok {
			// The page's keys, limited before any document is read (exact with no filter on documents).
			ids = s.DB.NewSelect().TableExpr("(?) AS k", k).Column("k.id")
		}
	}
	if ids == nil {
		ids = s.DB.NewSelect().TableExpr("documents AS d").Column("d.id").Apply(access.VisibleDocuments(p)).
			OrderExpr("d.created_at DESC, d.id DESC").Limit(int64(limit) + 1)
		if after != nil {
			ids.Where("(d.created_at, d.id) < (?, ?::uuid)", after.At, after.ID)
		}
	}
	for _, fl := range []struct{ col, id string }{{"d.case_id", f.CaseID}, {"d.client_id", f.ClientID}, {"d.position_id", f.PositionID}} {
		if fl.id == "" {
			continue
		}
		if !database.ValidUUID(fl.id) {
			return relay.NewPage([]*Document{}, limit, docKeys), nil
		}
		ids.Where("? = ?", bun.Ident(fl.col), fl.id)
	}
	var rows []*Document
	q := s.DB.NewSelect().Model(&rows).Apply(withFacts).Where("d.id IN (?)", ids).OrderExpr("d.created_at DESC, d.id DESC")
	if err := q.Scan(ctx); err != nil {
		return relay.Page[*Document]{}, err
	}
	visible := rows[:0]
	for _, d := range rows {
		if d.rights = access.DocumentRightsOn(p, d.Facts()); d.rights.Right >= access.Read {
			visible = append(visible, d)
		}
	}
	return relay.NewPage(visible, limit, docKeys), nil
}

// Filter narrows a document list.
type Filter struct {
	CaseID, ClientID, PositionID string
}

func docKeys(d *Document) []any { return []any{d.CreatedAt, d.ID} }

func checkLink(ctx context.Context, db bun.IDB, field, table string, id *string) error {
	if id == nil {
		return nil
	}
	if database.ValidUUID(*id) {
		ok, err := db.NewSelect().TableExpr(table).Where("id = ?", *id).Exists(ctx)
		if err != nil || ok {
			return err
		}
	}
	return apperr.Input(field, "no such "+strings.TrimSuffix(table, "s"))
}

// LockFor locks a document inside tx, reads its facts afresh and checks that p holds need on it
// (NOT_FOUND when p may not read it): for writes on things that belong to a document.
func (s *Service) LockFor(ctx context.Context, tx bun.IDB, p *access.Principal, id string, need access.Right) (*Document, error) {
	d, err := s.load(ctx, tx, p, id, true)
	if err != nil {
		return nil, err
	}
	if d.rights.Right < need {
		return nil, apperr.Forbidden(fmt.Sprintf("%s on the document is needed", need))
	}
	return d, nil
}
