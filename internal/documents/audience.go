package documents

import (
	"context"
	"log/slog"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/relay"
)

// Audience lists who can read a document (access.DocumentAudience), with their rights and the
// rules behind them. It needs MANAGE on the document or ADMIN: the document rules give an
// administrator no right of its own, so an administrator is answered about any document (who can
// read it, not what it says).
func (s *Service) Audience(ctx context.Context, p *access.Principal, documentID string, f audience.Filter, page relay.Args) (audience.Page, error) {
	return s.audienceAt(ctx, p, documentID, f, page, s.Clock.Now())
}

func (s *Service) audienceAt(ctx context.Context, p *access.Principal, documentID string, f audience.Filter, page relay.Args, at time.Time) (audience.Page, error) {
	if err := audience.Check(p, f, page); err != nil {
		return audience.Page{}, err
	}
	as := p
	if access.Administer(p).Allowed {
		as = access.System()
	}
	d, err := s.load(ctx, s.DB, as, documentID, false)
	if err != nil {
		return audience.Page{}, err
	}
	if err := access.ViewAudience(p, access.DocumentRightsOn(p, d.Facts()).Right).Err(); err != nil {
		return audience.Page{}, err
	}
	a := s.Cases.Auth
	today, err := a.Today(ctx, s.DB, at)
	if err != nil {
		return audience.Page{}, err
	}
	facts := d.Facts()
	sql, args := access.DocumentAudience(facts, today)
	out, err := audience.List(ctx, s.DB, sql, args, f, page)
	if err != nil {
		return audience.Page{}, err
	}
	members := out.Members()
	principals, err := audience.Principals(ctx, s.DB, a, members, at)
	if err != nil {
		return audience.Page{}, err
	}
	for _, m := range members {
		if r := access.DocumentRightsOn(principals[m], facts); r.Right != m.Right {
			// The audience's SQL and the engine disagree: a bug, caught by TestDocumentEngineAndSQLAgree.
			slog.ErrorContext(ctx, "document audience disagrees with the engine", "document", d.ID, "member", m.ID, "sql", m.Right, "engine", r.Right)
		}
	}
	return out, nil
}
