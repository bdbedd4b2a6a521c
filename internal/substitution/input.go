package substitution

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/users"
)

// Input is what createSubstitution and updateSubstitution send; nil leaves a value as it is (or at
// its default, on creation).
type Input struct {
	SubstitutedID *string
	SubstituteID  *string
	DateFrom      *time.Time
	DateTo        *time.Time
	Active        *bool
	ForwardEmails *bool
}

// MaxYearsAhead bounds dateFrom and dateTo: a substitution is for an absence, and its end must stay
// a time every client can read.
const MaxYearsAhead = 10

// apply writes in onto sb and names the fields whose values changed. Once the period has started
// only dateTo and active may change; a value sent unchanged is not a change.
func (in Input) apply(sb *Substitution, started bool) ([]string, error) {
	var changed []string
	frozen := func(field string) error {
		if started {
			return apperr.Input(field, "cannot change once the substitution has started (only dateTo and active can)")
		}
		changed = append(changed, field)
		return nil
	}
	if in.SubstitutedID != nil && *in.SubstitutedID != sb.SubstitutedID {
		if err := frozen("substitutedId"); err != nil {
			return nil, err
		}
		sb.SubstitutedID = *in.SubstitutedID
	}
	if in.SubstituteID != nil && *in.SubstituteID != sb.SubstituteID {
		if err := frozen("substituteId"); err != nil {
			return nil, err
		}
		sb.SubstituteID = *in.SubstituteID
	}
	if in.DateFrom != nil && !dateOf(*in.DateFrom).Equal(dateOf(sb.DateFrom)) {
		if err := frozen("dateFrom"); err != nil {
			return nil, err
		}
		sb.DateFrom = dateOf(*in.DateFrom)
	}
	if in.ForwardEmails != nil && *in.ForwardEmails != sb.ForwardEmails {
		if err := frozen("forwardEmails"); err != nil {
			return nil, err
		}
		sb.ForwardEmails = *in.ForwardEmails
	}
	if in.DateTo != nil && !dateOf(*in.DateTo).Equal(dateOf(sb.DateTo)) {
		changed = append(changed, "dateTo")
		sb.DateTo = dateOf(*in.DateTo)
	}
	if in.Active != nil && *in.Active != sb.Active {
		changed = append(changed, "active")
		sb.Active = *in.Active
	}
	return changed, nil
}

// checkDates: dateTo today or later and not before dateFrom (dateFrom may be in the past); both
// within MaxYearsAhead. checkTo is false when an edit leaves dateTo as it was: an ended
// substitution can still be deactivated.
func checkDates(sb *Substitution, today time.Time, checkTo bool) error {
	limit := today.AddDate(MaxYearsAhead, 0, 0)
	if sb.DateFrom.After(limit) {
		return apperr.Input("dateFrom", "must be at most 10 years ahead")
	}
	if !checkTo {
		return nil
	}
	switch {
	case sb.DateTo.Before(today):
		return apperr.Input("dateTo", "must be today or later")
	case sb.DateTo.Before(sb.DateFrom):
		return apperr.Input("dateTo", "must not be before dateFrom")
	case sb.DateTo.After(limit):
		return apperr.Input("dateTo", "must be at most 10 years ahead")
	}
	return nil
}

// checkUsers: two different users, neither deactivated nor blocked; a substituted user whose
// profile has expired only when the setting substitutionForExpiredProfiles allows it.
func checkUsers(ctx context.Context, db bun.IDB, sb *Substitution, set settings.Settings, now time.Time) error {
	if sb.SubstituteID == "" {
		return apperr.Input("substituteId", "is required")
	}
	if sb.SubstituteID == sb.SubstitutedID {
		return apperr.Input("substituteId", "must not be the substituted user")
	}
	substituted, err := checkUser(ctx, db, sb.SubstitutedID, "substitutedId")
	if err != nil {
		return err
	}
	if _, err := checkUser(ctx, db, sb.SubstituteID, "substituteId"); err != nil {
		return err
	}
	if substituted.ProfileExpired(now, set.Location()) && !set.SubstitutionForExpiredProfiles {
		return apperr.Input("substitutedId", "the user's profile has expired (allowed only with the setting substitutionForExpiredProfiles)")
	}
	return nil
}

func checkUser(ctx context.Context, db bun.IDB, id, field string) (*users.User, error) {
	u, err := users.Find(ctx, db, id)
	if errors.Is(err, apperr.ErrNotFound) || err == nil && (u.IsSystem || u.IsGuest()) {
		return nil, apperr.Input(field, "no such user")
	}
	if err != nil {
		return nil, err
	}
	switch u.Status {
	case users.Deactivated:
		return nil, apperr.Input(field, "the user is deactivated")
	case users.Blocked:
		return nil, apperr.Input(field, "the user is blocked")
	}
	return u, nil
}
