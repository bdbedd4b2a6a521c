package settings

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
)

// CheckTimeZone returns an input error on timeZone unless name is a time zone that both Go and
// PostgreSQL know by that name: Go formats dates in it, and SQL compares days in it (the profile
// expiry in every request's principal query). "Local" and "" are Go's own names for the machine's
// zone and mean nothing to PostgreSQL; PostgreSQL's abbreviations and POSIX forms ("CET",
// "UTC+3") and names it accepts but does not list ("right/…") are refused too, so that the two
// cannot disagree on what the zone is.
func CheckTimeZone(ctx context.Context, db bun.IDB, name string) error {
	refused := apperr.Input("timeZone", "is not an IANA time zone such as Europe/Warsaw")
	if !GoKnowsTimeZone(name) {
		return refused
	}
	var listed bool
	if err := db.NewRaw(`SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ?)`, name).Scan(ctx, &listed); err != nil {
		return fmt.Errorf("look up time zone: %w", err)
	}
	if !listed {
		return refused
	}
	return nil
}

// GoKnowsTimeZone is the half of CheckTimeZone that needs no database: the start-up configuration
// checks it before PostgreSQL runs, and the other half once it does.
func GoKnowsTimeZone(name string) bool {
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
