package jobs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/jobs"
)

// open is a second pool on the same database, as another replica would have.
func open(t *testing.T, url string) *bun.DB { return dbtest.Open(t, url) }

func advisoryLocks(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLockerExcludesOtherHolders(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewURL(t)
	replicaA, replicaB := jobs.NewLocker(open(t, url)), jobs.NewLocker(open(t, url))
	probe := open(t, url)

	held, err := replicaA.Lock(ctx, "outbox")
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	if _, err := replicaB.Lock(ctx, "outbox"); !errors.Is(err, jobs.ErrLocked) {
		t.Fatalf("Lock from another replica while held = %v, want ErrLocked", err)
	}
	// Same pool, too: the held lock keeps its own connection, so the pool hands out another session.
	if _, err := replicaA.Lock(ctx, "outbox"); !errors.Is(err, jobs.ErrLocked) {
		t.Fatalf("Lock from the same replica while held = %v, want ErrLocked", err)
	}
	other, err := replicaB.Lock(ctx, "session-cleanup")
	if err != nil {
		t.Fatalf("Lock on another key: %v", err)
	}
	if n := advisoryLocks(t, probe); n != 2 {
		t.Fatalf("%d advisory locks held, want 2", n)
	}

	if err := held.Unlock(ctx); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	again, err := replicaB.Lock(ctx, "outbox")
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}

	// gocron unlocks with the job's context, which shutdown has cancelled by then.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := again.Unlock(cancelled); err != nil {
		t.Fatalf("Unlock with cancelled context: %v", err)
	}
	if err := other.Unlock(ctx); err != nil {
		t.Fatalf("Unlock other: %v", err)
	}
	if n := advisoryLocks(t, probe); n != 0 {
		t.Fatalf("%d advisory locks still held after Unlock, want 0", n)
	}
}
