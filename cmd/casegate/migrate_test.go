package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	buntmigrate "github.com/uptrace/bun/migrate"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/migrations"
)

func TestMain(m *testing.M) {
	code := dbtest.Run(m)
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func TestMigrateCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", dbtest.NewURL(t))
	migrate := func(arg string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(t.Context(), []string{"migrate", arg}, &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("migrate %s: %v", arg, err)
		}
		return out.String()
	}
	if s := migrate("status"); strings.Contains(s, "pending") || !strings.Contains(s, "20261123000001_identity\tapplied") {
		t.Fatalf("status of a migrated database:\n%s", s)
	}
	if s := migrate("up"); !strings.Contains(s, "nothing to migrate") {
		t.Fatalf("up twice: %s", s)
	}
	if s := migrate("down"); !strings.Contains(s, "rolled back") {
		t.Fatalf("down: %s", s)
	}
	if s := migrate("status"); !strings.Contains(s, "pending") {
		t.Fatalf("status after down:\n%s", s)
	}
	if s := migrate("up"); !strings.Contains(s, "migrated to") {
		t.Fatalf("up after down: %s", s)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "sideways"}, &out, &out); err == nil {
		t.Fatal("migrate sideways accepted")
	}
}

// Replicas starting together on a fresh database: every `migrate up` succeeds (the others wait
// for the one migrating), and the schema is migrated once. A lock row that bun's own locking left
// behind in an interrupted run does not stand in the way.
func TestConcurrentMigrateUp(t *testing.T) {
	url := dbtest.NewEmptyURL(t)
	ctx := context.Background()
	db, err := database.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stale := buntmigrate.NewMigrator(db, migrations.Migrations)
	if err := stale.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stale.Lock(ctx); err != nil { // as a run killed while holding bun's lock leaves it
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "") // the flag, after the verb, names the database
	const replicas = 3
	outs := make([]bytes.Buffer, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			errs[i] = run(ctx, []string{"migrate", "up", "--database-url", url, "--log-level", "warn"}, &outs[i], io.Discard)
		})
	}
	close(start)
	wg.Wait()
	migrated := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		if strings.Contains(outs[i].String(), "migrated to") {
			migrated++
		} else if !strings.Contains(outs[i].String(), "nothing to migrate") {
			t.Fatalf("replica %d said %q", i, outs[i].String())
		}
	}
	if migrated != 1 {
		t.Fatalf("%d replicas migrated, want exactly 1", migrated)
	}
	var rows, groups int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT group_id) FROM bun_migrations`).Scan(&rows, &groups); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations.Migrations.Sorted()) || groups != 1 {
		t.Fatalf("bun_migrations has %d rows in %d groups, want %d in 1", rows, groups, len(migrations.Migrations.Sorted()))
	}
}

func TestCommandLine(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"migrate", "up", "-h"}, {"--help"}} {
		var out, errOut bytes.Buffer
		if err := run(t.Context(), args, &out, &errOut); err != nil {
			t.Errorf("%q: %v", args, err)
		}
		if !strings.Contains(out.String(), "DATABASE_URL") {
			t.Errorf("%q printed no help to stdout: %q", args, out.String())
		}
	}
	for _, args := range [][]string{
		{"serve", "--log-level", "loud"},
		{"migrate", "up", "--log-level=verbose"},
		{"serve", "extra"},
		{"migrate"},
		{"migrate", "up", "down"},
		{"serve", "--no-such-flag"},
	} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	var out bytes.Buffer
	usage(&out)
	if !strings.Contains(out.String(), "Prefer DATABASE_URL to --database-url") {
		t.Error("help does not warn about passwords in --database-url")
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout < srv.ReadTimeout || srv.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v, read %v, write %v, idle %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}
