package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/pgembed"
	"github.com/casegate/casegate/migrations"
)

// migrate runs `casegate migrate up|down|status [flags]`; flags may come before or after the verb.
// Every verb takes the migration lock (see migrations.Locked), waiting for a server or another
// command that is migrating the same database.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate")
	cfg, rest, err := config.Load(fs, args, config.Getenv)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("migrate needs one of up, down, status")
	}
	verb := rest[0]
	switch verb {
	case "up", "down", "status":
	default:
		return fmt.Errorf("migrate needs one of up, down, status, not %q", verb)
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	db, _, stop, err := openDatabase(ctx, cfg, logger, database.OpenForMigrations)
	if inUse := (*pgembed.InUseError)(nil); errors.As(err, &inUse) {
		// The server's embedded PostgreSQL is its own; migrate leaves it alone.
		who := "casegate serve is running"
		if inUse.PID != 0 {
			who = fmt.Sprintf("casegate serve is running (pid %d)", inUse.PID)
		}
		return fmt.Errorf("%s with the data folder %s, so migrate %s cannot use its embedded PostgreSQL: "+
			"stop the server first (serve applies pending migrations itself when it starts)", who, inUse.DataDir, verb)
	}
	if err != nil {
		return err
	}
	defer stop()
	switch verb {
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
		group, err := migrations.Down(ctx, db)
		if err != nil {
			return err
		}
		if group.IsZero() {
			fmt.Fprintln(stdout, "nothing to roll back")
		} else {
			fmt.Fprintln(stdout, "rolled back", group)
		}
	case "status":
		ms, err := migrations.Status(ctx, db)
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
	}
	return nil
}

// newFlagSet returns the flag set of a command. It prints nothing itself: run prints the help for
// -h/--help (to stdout, exit status 0) and main prints parse errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}
