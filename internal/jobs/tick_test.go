package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/dbtest"
)

func TestOneRunPerTickAcrossReplicas(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	claim := func(at time.Time) bool {
		t.Helper()
		ok, err := claimTick(ctx, db, "outbox-delivery", at, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(t0) {
		t.Fatal("first run of a tick refused")
	}
	// A second replica whose schedule fires 2 s later is in the same tick.
	if claim(t0.Add(2 * time.Second)) {
		t.Fatal("second replica ran the same tick")
	}
	if !claim(t0.Add(10 * time.Second)) {
		t.Fatal("next tick refused")
	}
	// Other jobs have their own ticks.
	if ok, _ := claimTick(ctx, db, "session-cleanup", t0.Add(10*time.Second), time.Minute); !ok {
		t.Fatal("another job's tick refused")
	}
}
