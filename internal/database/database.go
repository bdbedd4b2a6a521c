// Package database opens casegate's PostgreSQL connection pool as a bun.DB and translates driver
// errors that carry domain meaning (unique violations) into apperr values.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
)

// maxConns is the pool's size: connections a replica holds open at most (docs/operations.md).
const maxConns = 20

// Open connects to the PostgreSQL server at url and checks that it answers.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	if err := CheckURL(url); err != nil {
		return nil, err
	}
	// JIT compilation costs hundreds of milliseconds on a misestimated list plan and never pays
	// back on casegate's short queries, so every connection turns it off.
	// Every connection prepares the statements registered with Prepare.
	sqldb := sql.OpenDB(preparing{pgdriver.NewConnector(pgdriver.WithDSN(url), pgdriver.WithTimeout(10*time.Second),
		pgdriver.WithConnParams(map[string]any{"jit": "off"}))})
	// As many idle connections as open ones: with fewer, a burst of requests past the idle limit
	// closes a connection on every release and opens another on the next acquire, and each new
	// PostgreSQL backend costs a fork, its catalog caches and the prepared statements again (at 32
	// clients, about 2,000 connections opened in 50 seconds; docs/performance.md).
	sqldb.SetMaxOpenConns(maxConns)
	sqldb.SetMaxIdleConns(maxConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	// Columns a model does not know are skipped, not an error: during a rolling upgrade a newer
	// release may have added columns (docs/operations.md) that this one reads with t.* and ignores.
	db := bun.NewDB(sqldb, pgdialect.New(), bun.WithDiscardUnknownColumns())
	return ping(ctx, db)
}

// OpenForMigrations connects to the PostgreSQL server at url for running migrations: a small pool
// whose statements have no client-side time limit, since a migration that rewrites a large table
// (back-filling a column, building an index) runs for minutes, and Open's 10-second read timeout
// would cut the connection and roll it back.
func OpenForMigrations(ctx context.Context, url string) (*bun.DB, error) {
	if err := CheckURL(url); err != nil {
		return nil, err
	}
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url), pgdriver.WithDialTimeout(10*time.Second),
		pgdriver.WithReadTimeout(0), pgdriver.WithWriteTimeout(0)))
	sqldb.SetMaxOpenConns(4) // the migration lock's session, the migration, the migrator's bookkeeping
	db := bun.NewDB(sqldb, pgdialect.New())
	return ping(ctx, db)
}

// ping returns db once the server answers, else closes it.
func ping(ctx context.Context, db *bun.DB) (*bun.DB, error) {
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// UniqueViolation reports whether err is PostgreSQL's unique_violation, and on which constraint.
func UniqueViolation(err error) (constraint string, ok bool) {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) && pgErr.Field('C') == "23505" {
		return pgErr.Field('n'), true
	}
	return "", false
}

// ForeignKeyViolation reports whether err is PostgreSQL's foreign_key_violation.
func ForeignKeyViolation(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "23503"
}

// ValidUUID reports whether s is a UUID in its canonical text form. Ids are opaque to clients, so a
// malformed one is simply not found, and never reaches PostgreSQL as a cast error.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidUUIDs keeps the ids that are UUIDs (batch loads skip the rest: they match no row).
func ValidUUIDs(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if ValidUUID(id) {
			out = append(out, id)
		}
	}
	return out
}

// LoadByIDs reads the rows of T's table whose ids are among ids, in no particular order, for batch
// loaders; ids that are not UUIDs match no row and are not sent.
func LoadByIDs[T any](ctx context.Context, db bun.IDB, ids []string) ([]T, error) {
	var out []T
	ids = ValidUUIDs(ids)
	if len(ids) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model(&out).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	return out, err
}

// CheckURL reports why s is not a PostgreSQL URL that Open can use, in words that do not repeat
// it (it may hold a password). The driver itself would panic on it.
func CheckURL(s string) (err error) {
	u, perr := url.Parse(s)
	if perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return errors.New("not a PostgreSQL URL; expected postgres://user:password@host:5432/database?sslmode=disable")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not a usable PostgreSQL URL (%v); expected postgres://user:password@host:5432/database?sslmode=disable", r)
		}
	}()
	pgdriver.NewConnector(pgdriver.WithDSN(s))
	return nil
}
