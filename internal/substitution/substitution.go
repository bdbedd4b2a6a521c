// Package substitution stores substitutions (zastępstwa) and switches sessions into and out of them.
// A substitution lets its substitute work with exactly and only the substituted user's rights for a
// period of whole days in the server's time zone. Whether it is in force is decided by access
// (SubstitutionInForce) and checked again on every request when the principal is built, so jobs
// only send notices and tidy up.
package substitution

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
)

// Substitution is a row of the substitutions table.
type Substitution struct {
	bun.BaseModel `bun:"table:substitutions,alias:sb"`

	ID            string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	SubstitutedID string    `bun:"substituted_id,type:uuid,notnull"`
	SubstituteID  string    `bun:"substitute_id,type:uuid,notnull"`
	DateFrom      time.Time `bun:"date_from,type:date,notnull"`
	DateTo        time.Time `bun:"date_to,type:date,notnull"`
	Active        bool      `bun:"active,notnull"`
	ForwardEmails bool      `bun:"forward_emails,notnull"`
	CreatedByID   *string   `bun:"created_by,type:uuid"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
	// StartNotifiedAt and RemindedAt record the jobs' notices, each sent once.
	StartNotifiedAt *time.Time `bun:"start_notified_at"`
	RemindedAt      *time.Time `bun:"reminded_at"`

	// Computed when loaded, in the server's time zone at the time of the request.
	StartsAt time.Time `bun:"-"`
	EndsAt   time.Time `bun:"-"`
	Status   Status    `bun:"-"`
}

// dress computes the fields that depend on the server's time zone and today.
func (s *Substitution) dress(now time.Time, loc *time.Location) {
	s.StartsAt, s.EndsAt = s.Period(loc)
	s.Status = s.StatusAt(Today(now, loc))
}

// Status is how the lists split substitutions.
type Status string

// ACTIVE: active and not yet ended (ongoing or future); INACTIVE: ended or deactivated.
const (
	StatusActive   Status = "ACTIVE"
	StatusInactive Status = "INACTIVE"
)

// StatusAt is the substitution's status on the day today (in the server's time zone).
func (s *Substitution) StatusAt(today time.Time) Status {
	if s.Active && !dateOf(s.DateTo).Before(dateOf(today)) {
		return StatusActive
	}
	return StatusInactive
}

// Period is when the substitution is in force, in loc: [start, end).
func (s *Substitution) Period(loc *time.Location) (start, end time.Time) {
	return access.SubstitutionFacts{DateFrom: s.DateFrom, DateTo: s.DateTo}.Period(loc)
}

// Started reports whether the period has begun at now: from then on only dateTo and active change.
func (s *Substitution) Started(now time.Time, loc *time.Location) bool {
	start, _ := s.Period(loc)
	return !now.Before(start)
}

// dateOf is the calendar day of t (its date in t's own location) as midnight UTC, how dates are
// compared and stored.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Today is the calendar day of now in loc, as midnight UTC.
func Today(now time.Time, loc *time.Location) time.Time { return dateOf(now.In(loc)) }

// UnmarshalGQL binds the GraphQL enum SubstitutionStatus.
func (s *Status) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch Status(str) {
	case StatusActive, StatusInactive:
		*s = Status(str)
		return nil
	}
	return fmt.Errorf("%w: %v is not a valid SubstitutionStatus", apperr.ErrBadInput, v)
}

// MarshalGQL writes the enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }
