package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/uptrace/bun"
	bunmigrate "github.com/uptrace/bun/migrate"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/pgembed"
	"github.com/casegate/casegate/migrations"
)

// openDatabase connects to DATABASE_URL, or starts the embedded PostgreSQL when it is empty, and
// opens a pool with open (database.Open, or database.OpenForMigrations); url is the server's. stop
// closes the pool and stops the embedded server, if any.
func openDatabase(ctx context.Context, cfg config.Config, logger *slog.Logger,
	open func(context.Context, string) (*bun.DB, error)) (db *bun.DB, url string, stop func(), err error) {
	url = cfg.DatabaseURL
	stopPG := func() {}
	if url == "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, "", nil, err
		}
		logger.Info("starting embedded PostgreSQL", "data_dir", dir, "port", cfg.PGPort)
		pg, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Port: uint32(cfg.PGPort), Logger: logger})
		var busy *pgembed.PortInUseError
		if errors.As(err, &busy) {
			return nil, "", nil, config.Invalid("pg-port", fmt.Sprintf(
				"port %d on 127.0.0.1, where the embedded PostgreSQL listens, is already in use by another program; choose another port", busy.Port))
		}
		if err != nil {
			return nil, "", nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		stopPG = func() {
			if err := pg.Stop(); err != nil {
				logger.Error("stop embedded PostgreSQL", "err", err)
				return
			}
			logger.Info("embedded PostgreSQL stopped")
		}
		url = pg.URL("postgres")
	}
	db, err = open(ctx, url)
	if err != nil {
		stopPG()
		return nil, "", nil, err
	}
	return db, url, func() { _ = db.Close(); stopPG() }, nil
}

// migrateUp applies the pending migrations on a pool of their own (database.OpenForMigrations).
func migrateUp(ctx context.Context, url string) (*bunmigrate.MigrationGroup, error) {
	db, err := database.OpenForMigrations(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrations.Up(ctx, db)
}
