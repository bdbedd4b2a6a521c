package database_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/dbtest"
)

// A statement whose table is created after the pool opened (as before migrations) is prepared on
// first use, then executed as prepared; in a transaction it runs as plain SQL.
var later = database.Prepare("casegate_test_later", "int", `SELECT n * 2 FROM later WHERE n = ?0`)

type recorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *recorder) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	r.mu.Lock()
	r.sql = append(r.sql, e.Query)
	r.mu.Unlock()
	return ctx
}

func (*recorder) AfterQuery(context.Context, *bun.QueryEvent) {}

func TestPreparedOnFirstUse(t *testing.T) {
	db := dbtest.New(t)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE later (n int); INSERT INTO later VALUES (21)`); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	db.AddQueryHook(rec)
	for range 3 {
		var got int
		if err := later.Scan(ctx, db, []any{21}, &got); err != nil || got != 42 {
			t.Fatalf("got %d, %v", got, err)
		}
	}
	if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var got int
		if err := later.Scan(ctx, tx, []any{21}, &got); err != nil || got != 42 {
			t.Fatalf("in a transaction: got %d, %v", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(rec.sql, "\n")
	if !strings.Contains(joined, "PREPARE casegate_test_later_") || strings.Count(joined, " (21)") < 3 ||
		!strings.Contains(joined, "SELECT n * 2 FROM later WHERE n = 21") {
		t.Fatalf("statements:\n%s", joined)
	}
}
