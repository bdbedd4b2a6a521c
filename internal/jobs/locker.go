package jobs

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/uptrace/bun"
)

// ErrLocked is returned by Locker.Lock when another replica holds the job's lock; gocron then
// skips this run.
var ErrLocked = errors.New("jobs: lock held by another replica")

// unlockTimeout bounds releasing a lock. gocron unlocks with the job's context, which is already
// cancelled at shutdown, and a lock that is never released would block the job on every replica.
const unlockTimeout = 5 * time.Second

// Locker is a gocron.Locker on PostgreSQL session-level advisory locks. Session-level (not
// transaction-level) so a job can run its own transactions while holding the lock; a dedicated
// connection because the lock belongs to the session that took it. If the process dies, the
// connection closes and PostgreSQL releases the lock, so a crashed replica never wedges a job.
type Locker struct {
	db *bun.DB
}

var _ gocron.Locker = (*Locker)(nil)

// NewLocker returns a Locker on db's pool.
func NewLocker(db *bun.DB) *Locker { return &Locker{db: db} }

// Lock takes the advisory lock for key without waiting, or returns ErrLocked.
func (l *Locker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock %q: %w", key, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext(?))`, key).Scan(&ok); err != nil {
		// The query may or may not have taken the lock before failing; a connection we are unsure
		// about must not go back to the pool holding it.
		discard(conn)
		return nil, fmt.Errorf("jobs: lock %q: %w", key, err)
	}
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("%w: %s", ErrLocked, key)
	}
	return &lock{conn: conn, key: key}, nil
}

type lock struct {
	conn bun.Conn
	key  string
}

// Unlock releases the lock and returns the connection to the pool.
func (l *lock) Unlock(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
	defer cancel()
	var released bool
	err := l.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(hashtext(?))`, l.key).Scan(&released)
	if err == nil && !released {
		err = fmt.Errorf("lock was not held")
	}
	if err != nil {
		// Closing the session is the other way to release an advisory lock.
		discard(l.conn)
		return fmt.Errorf("jobs: unlock %q: %w", l.key, err)
	}
	return l.conn.Close()
}

// discard closes conn's underlying session instead of returning it to the pool.
func discard(conn bun.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
