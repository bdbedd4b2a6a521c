package cases

import (
	"context"
	"log/slog"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/relay"
)

// Audience lists who can read a case (access.CaseAudience): employees and guests with their rights
// and the rules behind them, contacts without an account, open temporary grants. It needs MANAGE on
// the case or ADMIN. With field ("section.field") each member on the page carries its mode of it,
// decided by the engine for that member alone.
func (s *Service) Audience(ctx context.Context, p *access.Principal, caseID, field string, f audience.Filter, page relay.Args) (audience.Page, error) {
	return s.audienceAt(ctx, p, caseID, field, f, page, s.Clock.Now())
}

func (s *Service) audienceAt(ctx context.Context, p *access.Principal, caseID, field string, f audience.Filter, page relay.Args, at time.Time) (audience.Page, error) {
	if err := audience.Check(p, f, page); err != nil {
		return audience.Page{}, err
	}
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return audience.Page{}, err
	}
	if err := access.ViewAudience(p, c.decision.Right).Err(); err != nil {
		return audience.Page{}, err
	}
	proc, err := s.procedure(c.Procedure)
	if err != nil {
		return audience.Page{}, err
	}
	si, fi := -1, -1
	if field != "" {
		var ok bool
		if si, fi, ok = proc.Field(field); !ok {
			return audience.Page{}, apperr.Input("field", "no such field (write it as section.field)")
		}
	}
	comp, err := s.compiled(ctx, s.DB, p, proc)
	if err != nil {
		return audience.Page{}, err
	}
	today, err := s.Auth.Today(ctx, s.DB, at)
	if err != nil {
		return audience.Page{}, err
	}
	facts := c.Facts()
	sql, args := access.CaseAudience(facts, comp.Form, at, today)
	out, err := audience.List(ctx, s.DB, sql, args, f, page)
	if err != nil {
		return audience.Page{}, err
	}
	members := out.Members()
	principals, err := audience.Principals(ctx, s.DB, s.Auth, members, at)
	if err != nil {
		return audience.Page{}, err
	}
	for _, m := range members {
		d := access.Decide(principals[m], facts, comp.Form)
		if d.Right != m.Right {
			// The audience's SQL and the engine disagree: a bug, caught by TestEngineAndSQLAgree.
			slog.ErrorContext(ctx, "case audience disagrees with the engine", "case", c.ID, "member", m.ID, "sql", m.Right, "engine", d.Right)
		}
		if si >= 0 {
			mode := d.Field(si, fi)
			m.Mode = &mode
		}
	}
	return out, nil
}
