package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ExpireSecrets gives up secret messages still unsent at now whose end has come: their own
// expires_at, or, without one, ttl after they were created. What they carry (a reset link, an
// access link, a code) has expired anyway, and the database should not keep it.
// They are marked failed with last_error "expired before delivery" and their bodies redacted. It
// returns how many it gave up. A message being sent at this moment (locked by a Deliverer) is left
// to its sender rather than waited for.
func ExpireSecrets(ctx context.Context, db bun.IDB, now time.Time, ttl time.Duration) (int64, error) {
	due := db.NewSelect().Model((*Row)(nil)).Column("id").
		Where("secret").
		Where("sent_at IS NULL").
		Where("failed_at IS NULL").
		// Compared against bounds computed here, never per row: an extreme stored time must not
		// overflow PostgreSQL's range and fail the clean-up of every other message.
		Where("(expires_at < ? OR (expires_at IS NULL AND created_at < ?))", now, now.Add(-ttl)).
		For("UPDATE SKIP LOCKED")
	res, err := db.NewUpdate().Model((*Row)(nil)).
		Set("body = ?", redacted).
		Set("failed_at = ?", now).
		Set("last_error = ?", "expired before delivery").
		Where("id IN (?)", due).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox: expire secret messages: %w", err)
	}
	return res.RowsAffected()
}
