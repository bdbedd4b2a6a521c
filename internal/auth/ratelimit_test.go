package auth

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A flood of logins verifies at most two passwords per processor at a time.
func TestVerificationsAreBounded(t *testing.T) {
	limit := 2 * runtime.GOMAXPROCS(0)
	var running, most atomic.Int64
	var wg sync.WaitGroup
	for range 5 * limit {
		wg.Go(func() {
			err := withVerifySlot(context.Background(), func() {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond) // a verification's worth of holding the slot
				running.Add(-1)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m > int64(limit) || m == 0 {
		t.Fatalf("%d verifications ran at once, want at most %d", m, limit)
	}
	// A caller that gives up while waiting does not verify.
	slots := verifySlots()
	for range cap(slots) {
		slots <- struct{}{}
	}
	defer func() {
		for range cap(slots) {
			<-slots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ran := false
	if err := withVerifySlot(ctx, func() { ran = true }); err == nil || ran {
		t.Fatalf("verification with every slot taken: err %v, ran %v", err, ran)
	}
}
