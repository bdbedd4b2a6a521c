package database_test

import (
	"context"
	"sync"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
)

// TestPoolKeepsItsConnections checks that bursts of more requests than the pool holds reuse its
// connections instead of opening new PostgreSQL backends: after five bursts of 32 concurrent
// statements, no more backends have served the pool than it may hold open. A pool that keeps fewer
// connections idle than open closes some after every burst and opens others in the next.
func TestPoolKeepsItsConnections(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t) // opened by database.Open, as the server's
	var mu sync.Mutex
	backends := map[int]bool{}
	for range 5 {
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				var pid int
				if err := db.NewRaw("SELECT pg_backend_pid() FROM pg_sleep(0.02)").Scan(ctx, &pid); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				backends[pid] = true
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	if max := db.DB.Stats().MaxOpenConnections; len(backends) > max {
		t.Errorf("%d backends served a pool of at most %d connections: it closes and reopens them between bursts", len(backends), max)
	}
}
