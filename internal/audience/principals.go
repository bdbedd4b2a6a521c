package audience

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
)

// Principals builds, for the members of a page, the principal each would have at at, so that the
// engine decides about them exactly as about a request of theirs: a user's (auth.Principals), a
// bare contact's (EXTERNAL with only its contact, as a contact without an account is), a temporary
// grant's (its case, stages, window and parts). Only the page's members are read.
func Principals(ctx context.Context, db bun.IDB, a *auth.Service, members []*Member, at time.Time) (map[*Member]*access.Principal, error) {
	var users, grants []string
	for _, m := range members {
		switch {
		case m.UserID != "":
			users = append(users, m.UserID)
		case m.GrantID != "":
			grants = append(grants, m.GrantID)
		}
	}
	byUser, err := a.Principals(ctx, db, users, at)
	if err != nil {
		return nil, err
	}
	byGrant := map[string]*access.TemporaryAccess{}
	if len(grants) > 0 {
		var rows []struct {
			ID         string    `bun:"id"`
			CaseID     string    `bun:"case_id"`
			Stages     []string  `bun:"stages,array"`
			Moves      []string  `bun:"allowed_moves,array"`
			Parts      []string  `bun:"allowed_actions,array"`
			ValidFrom  time.Time `bun:"valid_from"`
			ValidUntil time.Time `bun:"valid_until"`
		}
		if err := db.NewRaw(`SELECT id, case_id, stages, allowed_moves, allowed_actions, valid_from, valid_until
			FROM temporary_access_grants WHERE id = ANY(?::uuid[])`, pgdialect.Array(grants)).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("load temporary grants: %w", err)
		}
		for _, r := range rows {
			t := &access.TemporaryAccess{GrantID: r.ID, CaseID: r.CaseID, Stages: r.Stages, Moves: r.Moves,
				ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil}
			for _, p := range r.Parts {
				t.Parts = append(t.Parts, access.Part(p))
			}
			byGrant[r.ID] = t
		}
	}
	out := map[*Member]*access.Principal{}
	for _, m := range members {
		switch {
		case m.UserID != "":
			if p := byUser[m.UserID]; p != nil {
				out[m] = p
			}
		case m.ContactID != "":
			out[m] = &access.Principal{Kind: access.KindExternal, ContactID: m.ContactID, At: at}
		case m.GrantID != "":
			if t := byGrant[m.GrantID]; t != nil {
				out[m] = &access.Principal{Kind: access.KindTemporary, GrantID: t.GrantID, Temporary: t, At: at}
			}
		}
	}
	return out, nil
}
