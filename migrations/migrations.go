// Package migrations holds the SQL migrations of casegate's database and runs them with bun's migrator.
package migrations

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// Migrations is the ordered set of SQL migrations in this folder.
var Migrations = migrate.NewMigrations()

func init() {
	if err := Migrations.Discover(files); err != nil {
		panic(err) // the embedded files are fixed at build time; a bad name is a build bug
	}
}

// lockKey is the session advisory lock (two-key form, apart from the one-key locks of the job
// scheduler) that serialises everything that reads or changes the schema's migration state.
const (
	lockClass = 7212000
	lockID    = 1
)

// unlockTimeout bounds releasing the lock after ctx has ended (a signal during a migration).
const unlockTimeout = 5 * time.Second

// NewMigrator returns bun's migrator over Migrations, without touching the database. Use it only
// inside Locked, which creates its bookkeeping tables.
func NewMigrator(db *bun.DB) *migrate.Migrator {
	return migrate.NewMigrator(db, Migrations, migrate.WithMarkAppliedOnSuccess(true))
}

// Locked runs fn with the migrator while holding casegate's migration lock: a PostgreSQL
// session-level advisory lock taken on a connection of its own, waiting (as long as ctx allows) for
// another replica or command that holds it. bun's own lock is a row in bun_migration_locks, which
// makes a second replica fail at once instead of waiting, and which a killed run leaves behind so
// that no later start can migrate; an advisory lock is released by PostgreSQL when its session
// ends, however the process ended. The bookkeeping tables are created (Init) under the lock too,
// since concurrent CREATE TABLE IF NOT EXISTS can fail.
func Locked(ctx context.Context, db *bun.DB, fn func(ctx context.Context, m *migrate.Migrator) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?, ?)`, lockClass, lockID); err != nil {
		discard(conn) // unsure whether the lock was taken: the session must not go back to the pool
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		if _, uerr := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(?, ?)`, lockClass, lockID); uerr != nil {
			discard(conn) // closing the session releases the lock as well
			return
		}
		_ = conn.Close()
	}()
	m := NewMigrator(db)
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	return fn(ctx, m)
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn bun.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// Up applies every pending migration, each in its own transaction, under the migration lock: of
// several replicas starting together, one migrates and the others wait and then find nothing to do.
func Up(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	var group *migrate.MigrationGroup
	err := Locked(ctx, db, func(ctx context.Context, m *migrate.Migrator) error {
		var err error
		if group, err = m.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
	return group, err
}

// Down rolls back the last group of migrations under the migration lock.
func Down(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	var group *migrate.MigrationGroup
	err := Locked(ctx, db, func(ctx context.Context, m *migrate.Migrator) error {
		var err error
		if group, err = m.Rollback(ctx); err != nil {
			return fmt.Errorf("roll back: %w", err)
		}
		return nil
	})
	return group, err
}

// Status lists every migration with whether it is applied, read under the migration lock.
func Status(ctx context.Context, db *bun.DB) (migrate.MigrationSlice, error) {
	var ms migrate.MigrationSlice
	err := Locked(ctx, db, func(ctx context.Context, m *migrate.Migrator) error {
		var err error
		ms, err = m.MigrationsWithStatus(ctx)
		return err
	})
	return ms, err
}
