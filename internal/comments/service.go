package comments

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/documents"
	"github.com/casegate/casegate/internal/relay"
)

// MaxTextRunes bounds a comment's text (after trimming).
const MaxTextRunes = 10000

// Service runs comment operations. Whether the caller may read the case or document is decided
// by cases.Service and documents.Service.
type Service struct {
	DB        *bun.DB
	Clock     clockwork.Clock
	Cases     *cases.Service
	Documents *documents.Service
}

// Input is a new comment: exactly one of CaseID and DocumentID.
type Input struct {
	CaseID, DocumentID *string
	Text               string
	VisibleToExternal  *bool
}

// Add comments on a case or a document p may read (NOT_FOUND otherwise).
func (s *Service) Add(ctx context.Context, p *access.Principal, in Input) (*Comment, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	caseID, documentID := deref(in.CaseID), deref(in.DocumentID)
	if (caseID == "") == (documentID == "") {
		return nil, apperr.Input("caseId", "give exactly one of caseId and documentId")
	}
	text := strings.TrimSpace(in.Text)
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxTextRunes {
		return nil, apperr.Input("text", fmt.Sprintf("must have 1 to %d characters", MaxTextRunes))
	}
	audience := AudienceOf(p)
	c := authored(p)
	c.Text, c.VisibleToExternal = text, visibleToExternal(audience, in.VisibleToExternal)
	if documentID != "" {
		// Reads through the pool: documents are not deleted, so READ checked here holds at insert.
		if _, err := s.Documents.Get(ctx, p, documentID); err != nil {
			return nil, err
		}
		c.DocumentID = &documentID
	} else {
		c.CaseID = &caseID
	}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// A case's comment locks the case, and so a temporary session's grant after it (LockFor),
		// the order Revoke takes them in: holding the grant first deadlocked with it, the insert's
		// foreign key waiting for the case Revoke had locked. (A temporary session reads no
		// documents, so a document's comment has no grant to hold.)
		if c.CaseID != nil {
			if _, err := s.Cases.LockFor(ctx, tx, p, caseID, access.Read); err != nil {
				return err
			}
		}
		if audience == NoComments {
			return apperr.Forbidden("comments are not open to this session")
		}
		c.CreatedAt = s.now()
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); database.ForeignKeyViolation(err) {
			return apperr.NotFound("document")
		} else if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		target := "caseId"
		if c.DocumentID != nil {
			target = "documentId"
		}
		return audit.Append(ctx, tx, p, c.CreatedAt, audit.Entry{Action: "comment.add", Entity: "comment", EntityID: c.ID,
			ChangedFields: []string{target, "text", "visibleToExternal"}})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// OnCase lists the comments on a case loaded for p, oldest first, that p's audience reads.
func (s *Service) OnCase(ctx context.Context, p *access.Principal, c *cases.Case, page relay.Args) (relay.Page[*Comment], error) {
	if d := c.Decision(); d == nil || d.Right < access.Read {
		// Not decided for this request (or not readable): ask the case service.
		if err := s.Cases.RequireOn(ctx, s.DB, p, c.ID, access.Read); err != nil {
			return relay.Page[*Comment]{}, err
		}
	}
	return s.list(ctx, p, "cm.case_id", c.ID, page)
}

// OnDocument lists the comments on a document loaded for p, oldest first, that p's audience reads.
func (s *Service) OnDocument(ctx context.Context, p *access.Principal, d *documents.Document, page relay.Args) (relay.Page[*Comment], error) {
	if d.Rights().Right < access.Read {
		return relay.Page[*Comment]{}, apperr.NotFound("document")
	}
	return s.list(ctx, p, "cm.document_id", d.ID, page)
}

// list is one keyset page of the comments on one case or document, by (created_at, id) ascending.
func (s *Service) list(ctx context.Context, p *access.Principal, column, id string, page relay.Args) (relay.Page[*Comment], error) {
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[*Comment]{}, err
	}
	rows := []*Comment{}
	audience := AudienceOf(p)
	if audience == NoComments {
		return relay.NewPage(rows, limit, commentKeys), nil
	}
	q := s.DB.NewSelect().Model(&rows).Where("? = ?", bun.Ident(column), id).Apply(func(q *bun.SelectQuery) *bun.SelectQuery { return filter(audience, q) }).
		OrderExpr("cm.created_at, cm.id").Limit(int64(limit) + 1)
	if after != nil {
		q.Where("(cm.created_at, cm.id) > (?, ?::uuid)", after.At, after.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[*Comment]{}, fmt.Errorf("list comments: %w", err)
	}
	return relay.NewPage(rows, limit, commentKeys), nil
}

func commentKeys(c *Comment) []any { return []any{c.CreatedAt, c.ID} }

// now is the server's time at PostgreSQL's precision, so what Add returns equals what a list reads.
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
