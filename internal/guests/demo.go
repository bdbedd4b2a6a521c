package guests

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
)

// EnableWithPassword enables a contact's guest account and sets its password at once, without the
// invitation's round trip through a mailbox: for the demo data, whose addresses receive no mail.
// The invitation SetAccess mails is used up, so only the password opens the account. System only.
func (s *Service) EnableWithPassword(ctx context.Context, p *access.Principal, contactID, pw string) error {
	if p == nil || p.Kind != access.KindSystem {
		return apperr.ErrForbidden
	}
	if _, err := s.SetAccess(ctx, p, contactID, true); err != nil {
		return err
	}
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := accountOf(ctx, tx, contactID)
		if err != nil {
			return err
		}
		if u == nil {
			return apperr.ErrNotFound
		}
		if err := stopLinks(ctx, tx, u.ID, s.Clock.Now()); err != nil {
			return err
		}
		return s.Users.SetPassword(ctx, tx, p, u.ID, pw)
	})
}
