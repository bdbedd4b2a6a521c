package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/migrations"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	cfg, err := config.Load(fs, args, config.Getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	db, stop, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stop()
	group, err := migrations.Up(ctx, db)
	if err != nil {
		return err
	}
	if !group.IsZero() {
		logger.Info("migrated", "group", group.String())
	}
	a, err := app.New(ctx, cfg, db, logger, app.Options{})
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := a.LoadDemo(ctx, logger); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	a.StartJobs()
	defer a.Close() //nolint:errcheck

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("casegate is serving", "graphql", "http://"+ln.Addr().String()+"/graphql", "graphiql", "http://"+ln.Addr().String()+"/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
