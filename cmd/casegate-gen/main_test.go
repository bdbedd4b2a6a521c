package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

// -reset drops only a database that casegate-gen created (it leaves a comment on it); any other
// database named by the URL is refused and kept.
func TestResetDropsOnlyItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	logf := func(string, ...any) {}

	foreign := dbtest.NewURL(t) // someone's database, with tables
	if _, err := ensureDatabase(ctx, foreign, true, logf); err == nil ||
		!strings.Contains(err.Error(), "-reset drops only a database that casegate-gen created") {
		t.Fatalf("reset of a database casegate-gen did not create: %v", err)
	}
	db := dbtest.Open(t, foreign)
	var users int
	if err := db.NewRaw(`SELECT count(*) FROM users`).Scan(ctx, &users); err != nil {
		t.Fatalf("the refused database lost its tables: %v", err)
	}

	u, _ := url.Parse(foreign)
	u.Path += "_gen"
	own := u.String()
	name := strings.TrimPrefix(u.Path, "/")
	admin := dbtest.Open(t, foreign)
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	if _, err := ensureDatabase(ctx, own, false, logf); err != nil {
		t.Fatal(err)
	}
	gen, err := database.Open(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.ExecContext(ctx, `CREATE TABLE leftover (id int)`); err != nil {
		t.Fatal(err)
	}
	gen.Close()
	if _, err := ensureDatabase(ctx, own, true, logf); err != nil {
		t.Fatalf("reset of its own database: %v", err)
	}
	gen, err = database.Open(ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	var left bool
	if err := gen.NewRaw(`SELECT to_regclass('leftover') IS NOT NULL`).Scan(ctx, &left); err != nil || left {
		t.Fatalf("reset kept the old database (leftover table %v, %v)", left, err)
	}
}
