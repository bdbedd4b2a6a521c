package database_test

import (
	"context"
	"os"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

// TestUnknownColumnsAreSkipped: a column added by a newer release (a rolling upgrade) does not
// break this release's reads of t.* into its models.
func TestUnknownColumnsAreSkipped(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE things (id int PRIMARY KEY, name text);
		INSERT INTO things VALUES (1, 'one');
		ALTER TABLE things ADD COLUMN added_later text DEFAULT 'new'`); err != nil {
		t.Fatal(err)
	}
	type thing struct {
		bun.BaseModel `bun:"table:things,alias:t"`
		ID            int
		Name          string
	}
	var got thing
	if err := db.NewSelect().Model(&got).ColumnExpr("t.*").Where("id = 1").Scan(ctx); err != nil {
		t.Fatalf("t.* with a column the model lacks: %v", err)
	}
	if got.ID != 1 || got.Name != "one" {
		t.Fatalf("got %+v", got)
	}
}
