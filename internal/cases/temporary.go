package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
)

// ErrGrantEnded answers a write by a temporary session whose grant was revoked or whose window
// closed after the request began: the principal was built from the grant as it was then.
var ErrGrantEnded = fmt.Errorf("%w: the temporary access has ended", apperr.ErrUnauthenticated)

// holdGrant checks, inside a write's transaction, that a temporary principal's grant still works,
// and holds it (FOR SHARE) so that a revocation waits for the write to commit and then ends the
// session. fetch calls it right after locking the case, the order Revoke takes them in, so every
// write that locks its case (LockFor and the case's own) checks the grant and cannot deadlock.
func (s *Service) holdGrant(ctx context.Context, db bun.IDB, p *access.Principal) error {
	if p == nil || p.Kind != access.KindTemporary || p.Temporary == nil {
		return nil
	}
	now := s.Clock.Now()
	var id string
	err := db.NewRaw(`SELECT id FROM temporary_access_grants
		WHERE id = ? AND revoked_at IS NULL AND valid_from <= ? AND valid_until > ? FOR SHARE`,
		p.Temporary.GrantID, now, now).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrGrantEnded
	}
	if err != nil {
		return fmt.Errorf("check temporary access grant: %w", err)
	}
	return nil
}
