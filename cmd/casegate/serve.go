package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, rest, err := config.Load(newFlagSet("serve"), args, config.Getenv)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("serve takes no arguments, only flags (got %q)", rest)
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	tuneGC()
	// Listen first, so that a busy address is reported before PostgreSQL starts and migrates.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return config.Invalid("addr", fmt.Sprintf("cannot listen on %s: %v", cfg.Addr, errors.Unwrap(err)))
	}
	defer ln.Close()
	db, url, stop, err := openDatabase(ctx, cfg, logger, database.Open)
	if err != nil {
		return err
	}
	defer stop()
	group, err := migrateUp(ctx, url)
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
	defer a.Close() //nolint:errcheck
	if cfg.Demo {
		if err := a.LoadDemo(ctx, logger); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	a.StartJobs()

	srv := newHTTPServer(a.Handler)
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

// HTTP server timeouts. A client may take ReadTimeout to send a request (uploads included: 25 MiB
// need about 7 Mbit/s), the whole exchange may take WriteTimeout from the end of the headers, and
// an idle keep-alive connection is closed after IdleTimeout, so slow or idle clients cannot hold
// connections (and their goroutines) for ever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
)

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout}
}
