// Command casegate-gen fills a database with a realistic company for the scale benchmarks: 10,000
// users in 500 groups, a 2,000-node position tree, 200 clients, 1,000,000 cases over the three
// procedures with tasks, ACL entries and participants, and 2,000,000 documents with ACLs and tasks
// (see internal/scale). It creates the database when missing, migrates it, generates
// deterministically from -seed, ends with VACUUM ANALYZE, and writes the five principals the load
// command logs in as to -out.
//
//	go run ./cmd/casegate-gen [-database-url URL] [-reset] [-cases N] [-documents N] [-users N] …
//
// Every generated user has the same password (printed at the end): argon2 for 10,000 users would
// take minutes, so the hash is computed once.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/scale"
	"github.com/casegate/casegate/migrations"
)

func main() {
	def := os.Getenv("DATABASE_URL")
	if def == "" {
		def = "postgres://postgres@127.0.0.1:5432/casegate_scale?sslmode=disable"
	}
	full := scale.Full()
	cfg := full
	dbURL := flag.String("database-url", def, "database to fill (created when missing)")
	out := flag.String("out", "scale-principals.json", "where to write the principals for casegate-load")
	reset := flag.Bool("reset", false, "drop and recreate the database first (only one casegate-gen created)")
	flag.Int64Var(&cfg.Seed, "seed", full.Seed, "random seed: one seed gives one company")
	flag.IntVar(&cfg.Users, "users", full.Users, "users")
	flag.IntVar(&cfg.Groups, "groups", full.Groups, "groups")
	flag.IntVar(&cfg.Positions, "positions", full.Positions, "nodes of the position tree")
	flag.IntVar(&cfg.Clients, "clients", full.Clients, "clients (30 % companies, the rest their contacts)")
	flag.IntVar(&cfg.Cases, "cases", full.Cases, "cases")
	flag.IntVar(&cfg.Documents, "documents", full.Documents, "documents (half inside cases)")
	flag.Usage = usage
	flag.Parse()
	if err := run(context.Background(), *dbURL, *out, *reset, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "casegate-gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dbURL, out string, reset bool, cfg scale.Config) error {
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Printf("[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	name, err := ensureDatabase(ctx, dbURL, reset, logf)
	if err != nil {
		return err
	}
	db, err := scale.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db); err != nil {
		return err
	}
	hash, err := password.Hash(scale.Password, password.Default)
	if err != nil {
		return err
	}
	cfg.PasswordHash, cfg.Log = hash, logf
	logf("generating into %s: %d users, %d groups, %d positions, %d clients, %d cases, %d documents (seed %d)",
		name, cfg.Users, cfg.Groups, cfg.Positions, cfg.Clients, cfg.Cases, cfg.Documents, cfg.Seed)
	m, err := scale.Generate(ctx, db, cfg)
	if err != nil {
		if !reset {
			err = fmt.Errorf("%w (a failed run leaves a partial database: rerun with -reset)", err)
		}
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	var size string
	_ = db.NewRaw(`SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(ctx, &size)
	logf("principals written to %s; every user's password is %q", out, scale.Password)
	fmt.Printf("generated %s (%s) in %v\n", name, size, time.Since(start).Round(time.Second))
	return nil
}

// ensureDatabase creates the database of dbURL on its server when missing (dropping it first with
// reset) and returns its name.
func ensureDatabase(ctx context.Context, dbURL string, reset bool, logf func(string, ...any)) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"/`) {
		return "", fmt.Errorf("the database URL names no usable database: %q", name)
	}
	u.Path = "/postgres"
	admin, err := database.Open(ctx, u.String())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	var exists bool
	var comment string
	if err := admin.NewRaw(`SELECT count(*) > 0, coalesce(max(shobj_description(oid, 'pg_database')), '') FROM pg_database WHERE datname = ?`, name).
		Scan(ctx, &exists, &comment); err != nil {
		return "", err
	}
	if reset && exists {
		if comment != marker {
			return "", fmt.Errorf("-reset drops only a database that casegate-gen created, and %s was not (it has no %q comment); "+
				"name another database in -database-url, or drop this one yourself if you mean to", name, marker)
		}
		logf("dropping database %s", name)
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE %q WITH (FORCE)`, name)); err != nil {
			return "", err
		}
		exists = false
	}
	if !exists {
		logf("creating database %s", name)
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
			return "", err
		}
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`COMMENT ON DATABASE %q IS '%s'`, name, marker)); err != nil {
			return "", err
		}
	}
	return name, nil
}

// marker is the comment casegate-gen leaves on a database it creates; -reset drops no other.
const marker = "created by casegate-gen"

func usage() {
	fmt.Fprint(flag.CommandLine.Output(), `casegate-gen — fills a database with a realistic company for the scale benchmarks
(10,000 users, 1,000,000 cases, 2,000,000 documents by default), deterministically from -seed, and
writes the principals casegate-load logs in as to -out.

Needs: a PostgreSQL server reachable at -database-url (default: DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/casegate_scale), as a user who may create databases, and at
full size about 2.5 GB of disk and a few minutes. It creates the database when missing and migrates it;
-reset drops and recreates only a database that casegate-gen itself created (it marks it with a
comment).

Usage: go run ./cmd/casegate-gen [flags]

`)
	flag.PrintDefaults()
}
