package audience

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
)

// Principals builds, for the members of a page, the principal each would have at at, so that the
// engine decides about them exactly as about a request of theirs: a user's (auth.Principals), a
// bare contact's (EXTERNAL with only its contact, as a contact without an account is), a temporary
// grant's (auth.TemporaryPrincipals). Only the page's members are read.
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
	byGrant, err := a.TemporaryPrincipals(ctx, db, grants, at)
	if err != nil {
		return nil, err
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
			if p := byGrant[m.GrantID]; p != nil {
				out[m] = p
			}
		}
	}
	return out, nil
}
