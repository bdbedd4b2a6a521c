package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/migrations"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	cfg, err := config.Load(fs, args, config.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("migrate needs one of up, down, status")
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	db, stop, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stop()
	m, err := migrations.NewMigrator(ctx, db)
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "up":
		group, err := migrations.Up(ctx, db)
		if err != nil {
			return err
		}
		if group.IsZero() {
			fmt.Fprintln(stdout, "nothing to migrate")
		} else {
			fmt.Fprintln(stdout, "migrated to", group)
		}
	case "down":
		if err := m.Lock(ctx); err != nil {
			return err
		}
		defer m.Unlock(ctx) //nolint:errcheck
		group, err := m.Rollback(ctx)
		if err != nil {
			return err
		}
		if group.IsZero() {
			fmt.Fprintln(stdout, "nothing to roll back")
		} else {
			fmt.Fprintln(stdout, "rolled back", group)
		}
	case "status":
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mg := range ms {
			state := "pending"
			if mg.IsApplied() {
				state = "applied (group " + fmt.Sprint(mg.GroupID) + ")"
			}
			fmt.Fprintf(stdout, "%s_%s\t%s\n", mg.Name, mg.Comment, state)
		}
	default:
		return fmt.Errorf("migrate needs one of up, down, status, not %q", fs.Arg(0))
	}
	return nil
}
