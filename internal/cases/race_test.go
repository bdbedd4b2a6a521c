package cases

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/dbtest"
)

// TestWriteDecidesOnFactsAfterTheLock: an update that waits for a concurrent move must be decided
// on the tasks as the move left them, not as they were when the update's statement began.
func TestWriteDecidesOnFactsAfterTheLock(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := &Service{DB: db, Clock: clockwork.NewRealClock(), Registry: testRegistry()}
	alice, bob := uuidFor("user", 1), uuidFor("user", 2)
	for _, u := range []string{alice, bob} {
		if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, name) VALUES (?, ?, 'U')`, u, u+"@x.test"); err != nil {
			t.Fatal(err)
		}
	}
	id := uuidFor("case", 1)
	if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, procedure, stage, title, creator_id) VALUES (?, 'keeps', 'A', 't', ?)`, id, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO case_tasks (case_id, user_id, stage) VALUES (?, ?, 'A')`, id, alice); err != nil {
		t.Fatal(err)
	}
	// Another transaction moves the case from alice to bob and holds the lock for a moment.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM cases WHERE id = ? FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET active = false WHERE case_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_tasks (case_id, user_id, stage) VALUES (?, ?, 'B')`, id, bob); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		p := &access.Principal{Kind: access.KindInternal, UserID: alice, NativeUserID: alice}
		_, err := s.Update(ctx, p, "keeps", id, map[string]any{"s": map[string]any{"f": "written by alice"}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the update did not wait for the lock: %v", err)
	case <-time.After(300 * time.Millisecond): // it is blocked on the row lock, as it must be
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if !errors.Is(err, apperr.ErrFieldNotWritable) {
		t.Fatalf("alice, whose task ended while she waited, got %v; want FIELD_NOT_WRITABLE", err)
	}
}
