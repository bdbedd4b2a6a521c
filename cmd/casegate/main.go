// Command casegate runs the casegate GraphQL server and manages its database.
//
//	casegate serve [--demo] [flags]            start the server (embedded PostgreSQL without DATABASE_URL)
//	casegate migrate up|down|status [flags]    manage the database schema
//
// `casegate --help` (or `casegate serve --help`) lists every flag and environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/casegate/casegate/internal/server"
)

func main() {
	// SIGHUP too: closing the terminal must stop the server, and its PostgreSQL with it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "casegate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("missing command")
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "migrate":
		err = migrate(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return nil
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, flag.ErrHelp) { // -h or --help after the command
		usage(stdout)
		return nil
	}
	return err
}

// newLogger returns the process's logger; level is valid (config checks it).
func newLogger(format, level string, w io.Writer) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(server.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(server.LogHandler(slog.NewTextHandler(w, opts)))
}
