package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/pgembed"
)

// openDatabase connects to DATABASE_URL, or starts the embedded PostgreSQL when it is empty. stop
// closes the pool and stops the embedded server, if any.
func openDatabase(ctx context.Context, cfg config.Config, logger *slog.Logger) (db *bun.DB, stop func(), err error) {
	url := cfg.DatabaseURL
	stopPG := func() {}
	if url == "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		logger.Info("starting embedded PostgreSQL", "data_dir", dir, "port", cfg.PGPort)
		pg, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Port: uint32(cfg.PGPort), Logger: logger})
		if err != nil {
			return nil, nil, fmt.Errorf("embedded PostgreSQL: %w", err)
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
	db, err = database.Open(ctx, url)
	if err != nil {
		stopPG()
		return nil, nil, err
	}
	return db, func() { _ = db.Close(); stopPG() }, nil
}
