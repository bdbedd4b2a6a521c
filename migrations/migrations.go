// Package migrations holds the SQL migrations of casegate's database and runs them with bun's migrator.
package migrations

import (
	"context"
	"embed"
	"fmt"

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

// NewMigrator returns bun's migrator over Migrations, with its bookkeeping tables created.
func NewMigrator(ctx context.Context, db *bun.DB) (*migrate.Migrator, error) {
	m := migrate.NewMigrator(db, Migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	return m, nil
}

// Up applies every pending migration, each in its own transaction, under bun's migration lock.
func Up(ctx context.Context, db *bun.DB) (*migrate.MigrationGroup, error) {
	m, err := NewMigrator(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return group, nil
}
