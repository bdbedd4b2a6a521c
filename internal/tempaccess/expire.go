package tempaccess

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audit"
)

// ExpireDue marks the grants whose window has closed as expired and deletes their sessions and
// codes (the gocron job). Expiry is enforced on every request anyway; this records it and keeps
// the tables small. It also forgets codes and failures too old to count for any limit.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	lim := s.limits()
	var ids []string
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw(`UPDATE temporary_access_grants SET expired_at = ?
			WHERE id IN (SELECT id FROM temporary_access_grants
			             WHERE valid_until <= ? AND revoked_at IS NULL AND expired_at IS NULL
			             FOR UPDATE SKIP LOCKED)
			RETURNING id`, now, now).Scan(ctx, &ids); err != nil {
			return fmt.Errorf("expire grants: %w", err)
		}
		if err := endSessions(ctx, tx, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := audit.Append(ctx, tx, access.System(), now, audit.Entry{Action: "temporary_access.expire",
				Entity: "temporary_access_grant", EntityID: id, ChangedFields: []string{"expiredAt"}}); err != nil {
				return err
			}
		}
		if _, err := tx.NewRaw(`DELETE FROM access_codes WHERE created_at <= ?`, now.Add(-max(lim.Window, lim.CodeTTL))).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw(`DELETE FROM access_code_failures WHERE at <= ?`, now.Add(-lim.FailureWindow)).Exec(ctx)
		return err
	})
	return len(ids), err
}
