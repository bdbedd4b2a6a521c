// Package users stores the people who log in to casegate: their profile, status, password
// hash and system permissions, and the administrative operations on them.
package users

import (
	"encoding/json"
	"fmt"
	"github.com/casegate/casegate/internal/apperr"
	"io"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
)

// Status is a user's account status.
type Status string

// Account statuses. Only ACTIVE users may log in; the others have no sessions.
const (
	Active      Status = "ACTIVE"
	Deactivated Status = "DEACTIVATED"
	Blocked     Status = "BLOCKED"
)

// UnmarshalGQL binds the GraphQL enum UserStatus.
func (s *Status) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch Status(str) {
	case Active, Deactivated, Blocked:
		*s = Status(str)
		return nil
	}
	return fmt.Errorf("%w: %v is not a valid UserStatus", apperr.ErrBadInput, v)
}

// MarshalGQL writes the enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// User is a row of the users table.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID               string              `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Email            string              `bun:"email,notnull"`
	Name             string              `bun:"name,notnull"`
	Phone            *string             `bun:"phone"`
	ManagerID        *string             `bun:"manager_id,type:uuid"`
	Status           Status              `bun:"status,notnull"`
	ProfileExpiresOn *time.Time          `bun:"profile_expires_on,type:date"`
	PasswordHash     *string             `bun:"password_hash"`
	Permissions      []access.Permission `bun:"permissions,array,notnull"`
	IsSystem         bool                `bun:"is_system,notnull"`
	// ContactID names the contact whose guest (EXTERNAL) account this is; nil for employees.
	ContactID *string   `bun:"contact_id,type:uuid"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
	// OfViewer marks the account loaded as the viewer's own (in a login or activation answer, which
	// the request's principal, anonymous, does not name yet), so that it is shown in full.
	OfViewer bool `bun:"-"`
}

// ProfileExpired reports whether the profile's expiry date has passed at now (in loc): the profile
// is valid through the whole of its expiry day.
func (u *User) ProfileExpired(now time.Time, loc *time.Location) bool {
	if u.ProfileExpiresOn == nil {
		return false
	}
	// The day ends where the principal query's SQL ends it, also where the clocks skip midnight.
	return !now.Before(access.DayEnd(*u.ProfileExpiresOn, loc))
}

// IsGuest reports whether this is a contact's guest (EXTERNAL) account rather than an employee's.
func (u *User) IsGuest() bool { return u.ContactID != nil }

// Kind is the kind of principal the account's sessions have: EXTERNAL for a guest account.
func (u *User) Kind() access.Kind {
	if u.IsGuest() {
		return access.KindExternal
	}
	return access.KindInternal
}

// Self is the account acting on itself before it has a session (activation, password reset), for
// the audit record of what it changes.
func (u *User) Self() *access.Principal {
	p := &access.Principal{Kind: u.Kind(), UserID: u.ID, NativeUserID: u.ID}
	if u.IsGuest() {
		p.ContactID = *u.ContactID
	}
	return p
}

// CanLogIn reports whether the account may hold a session at now.
func (u *User) CanLogIn(now time.Time, loc *time.Location) bool {
	return u.Status == Active && !u.IsSystem && u.PasswordHash != nil && !u.ProfileExpired(now, loc)
}

// JSONObjectSQL is the SQL of the users row aliased pu as a JSON object that DecodeJSON reads: for
// a statement that brings the users it names along with its own rows (a case with its people).
const JSONObjectSQL = `json_build_object('id', pu.id, 'email', pu.email, 'name', pu.name, 'phone', pu.phone,
	'managerId', pu.manager_id, 'status', pu.status, 'profileExpiresOn', pu.profile_expires_on,
	'passwordHash', pu.password_hash, 'permissions', pu.permissions, 'isSystem', pu.is_system,
	'contactId', pu.contact_id, 'createdAt', pu.created_at, 'updatedAt', pu.updated_at)`

// jsonUser is a User as JSONObjectSQL writes it.
type jsonUser struct {
	ID               string              `json:"id"`
	Email            string              `json:"email"`
	Name             string              `json:"name"`
	Phone            *string             `json:"phone"`
	ManagerID        *string             `json:"managerId"`
	Status           Status              `json:"status"`
	ProfileExpiresOn *string             `json:"profileExpiresOn"`
	PasswordHash     *string             `json:"passwordHash"`
	Permissions      []access.Permission `json:"permissions"`
	IsSystem         bool                `json:"isSystem"`
	ContactID        *string             `json:"contactId"`
	CreatedAt        time.Time           `json:"createdAt"`
	UpdatedAt        time.Time           `json:"updatedAt"`
}

// DecodeJSON reads a JSON array of JSONObjectSQL objects (null reads as none). The JSON that
// PostgreSQL writes for them is read without reflection (decodeUsersJSON); anything else, or
// anything that one does not read, by encoding/json, which it agrees with.
func DecodeJSON(raw []byte) ([]User, error) {
	if out, ok := decodeUsersJSON(raw); ok {
		return out, nil
	}
	return decodeUsersReflect(raw)
}

// decodeUsersReflect is DecodeJSON through encoding/json.
func decodeUsersReflect(raw []byte) ([]User, error) {
	var in []jsonUser
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode users: %w", err)
	}
	out := make([]User, len(in))
	for i, u := range in {
		out[i] = User{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, ManagerID: u.ManagerID, Status: u.Status,
			PasswordHash: u.PasswordHash, Permissions: u.Permissions, IsSystem: u.IsSystem, ContactID: u.ContactID,
			CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
		if out[i].Permissions == nil {
			out[i].Permissions = []access.Permission{}
		}
		if u.ProfileExpiresOn != nil {
			d, err := time.Parse(time.DateOnly, *u.ProfileExpiresOn)
			if err != nil {
				return nil, fmt.Errorf("decode users: profile expiry: %w", err)
			}
			out[i].ProfileExpiresOn = &d
		}
	}
	return out, nil
}
