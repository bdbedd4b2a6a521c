// Package tempaccess gives a person without an account temporary access to one case
// (docs/temporary-access.md): the grant and its e-mailed link, one-time codes by e-mail
// or SMS, the TEMPORARY session they open, revocation and expiry. What such a session may then do is
// decided by access (the TEMPORARY_GRANT rule and the external modes).
package tempaccess

import (
	"io"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// LoginMethod is how the person receives one-time codes.
type LoginMethod string

// Login methods.
const (
	EmailCode LoginMethod = "EMAIL_CODE"
	SMSCode   LoginMethod = "SMS_CODE"
)

// UnmarshalGQL implements graphql.Unmarshaler.
func (m *LoginMethod) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch LoginMethod(s) {
	case EmailCode, SMSCode:
		*m = LoginMethod(s)
		return nil
	}
	return apperr.Input("loginMethod", "must be EMAIL_CODE or SMS_CODE")
}

// MarshalGQL implements graphql.Marshaler.
func (m LoginMethod) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(m))) }

// State is where a grant is in its life, at a given time.
type State string

// Grant states.
const (
	Scheduled State = "SCHEDULED" // the window has not opened yet
	Active    State = "ACTIVE"
	Expired   State = "EXPIRED"
	Revoked   State = "REVOKED"
)

// Grant is a row of temporary_access_grants.
type Grant struct {
	bun.BaseModel `bun:"table:temporary_access_grants,alias:g"`

	ID             string        `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	CaseID         string        `bun:"case_id,type:uuid,notnull"`
	Email          string        `bun:"email,notnull"`
	Phone          *string       `bun:"phone"`
	FirstName      *string       `bun:"first_name"`
	LastName       *string       `bun:"last_name"`
	LoginMethod    LoginMethod   `bun:"login_method,notnull"`
	Stages         []string      `bun:"stages,array,notnull"`
	AllowedMoves   []string      `bun:"allowed_moves,array,notnull"`
	AllowedActions []access.Part `bun:"allowed_actions,array,notnull"`
	LinkHash       []byte        `bun:"link_hash,notnull"`
	ValidFrom      time.Time     `bun:"valid_from,notnull"`
	ValidUntil     time.Time     `bun:"valid_until,notnull"`
	GrantedByID    *string       `bun:"granted_by,type:uuid"`
	CreatedAt      time.Time     `bun:"created_at,notnull"`
	RevokedAt      *time.Time    `bun:"revoked_at"`
	RevokedByID    *string       `bun:"revoked_by,type:uuid"`
	ExpiredAt      *time.Time    `bun:"expired_at"`
}

// selectGrants selects the columns of grants with their times clamped into what Go can read: a
// grant stored before windows were bounded (valid until the year 10000) must still list, show its
// state and be revoked, not fail every read of its case's grants.
func selectGrants(q *bun.SelectQuery) *bun.SelectQuery { return database.ReadableColumns[Grant](q) }

// StateAt is the grant's state at now. Expiry is a matter of the clock, not of the job that marks
// it: a grant past its end is EXPIRED whether or not it has been marked.
func (g *Grant) StateAt(now time.Time) State {
	switch {
	case g.RevokedAt != nil:
		return Revoked
	case g.ExpiredAt != nil || !now.Before(g.ValidUntil):
		return Expired
	case now.Before(g.ValidFrom):
		return Scheduled
	}
	return Active
}

// Name is the person's name as the grant gives it ("" when it gives none).
func (g *Grant) Name() string {
	var parts []string
	for _, s := range []*string{g.FirstName, g.LastName} {
		if s != nil && *s != "" {
			parts = append(parts, *s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return parts[0] + " " + parts[1]
}

// principal is the TEMPORARY principal a grant stands for in audit records written without a
// session (a code sent, a session opened).
func (g *Grant) principal(now time.Time) *access.Principal {
	return &access.Principal{Kind: access.KindTemporary, GrantID: g.ID, At: now,
		Temporary: &access.TemporaryAccess{GrantID: g.ID, CaseID: g.CaseID, Email: g.Email, Name: g.Name()}}
}
