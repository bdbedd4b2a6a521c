package jobs

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// claimTick records that name runs at now, unless some replica already ran it within the last half
// interval. The advisory lock stops two replicas running a job at the same moment; this stops them
// running it one after the other in the same tick, since their schedules are not aligned.
func claimTick(ctx context.Context, db bun.IDB, name string, now time.Time, interval time.Duration) (bool, error) {
	var got string
	err := db.NewRaw(`INSERT INTO job_runs (name, last_run_at) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at
		WHERE job_runs.last_run_at <= ?
		RETURNING name`, name, now, now.Add(-interval/2)).Scan(ctx, &got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
