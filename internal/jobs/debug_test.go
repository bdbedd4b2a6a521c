package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/jobs"
)

func TestDebugWaiters(t *testing.T) {
	db := dbtest.New(t)
	clock := clockwork.NewFakeClock()
	s, _ := jobs.New(db, clock, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	s.Every("a", time.Minute, func(ctx context.Context) error { t.Logf("a ran at %v", clock.Now()); return nil })
	s.Every("b", time.Minute, func(ctx context.Context) error { t.Logf("b ran at %v", clock.Now()); return errors.New("boom") })
	s.Every("c", time.Minute, func(ctx context.Context) error { t.Logf("c ran at %v", clock.Now()); panic("x") })
	s.Start()
	defer s.Shutdown()
	for round := range 4 {
		for k := 1; k <= 8; k++ {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			err := clock.BlockUntilContext(ctx, k)
			cancel()
			if err != nil {
				t.Logf("round %d: %d waiters", round, k-1)
				break
			}
		}
		clock.Advance(time.Minute)
	}
}
