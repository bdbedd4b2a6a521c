// Package guests gives a client's contact a guest (EXTERNAL) account (Planfix's guest access): it
// enables and disables the account, mails the invitation whose link lets the guest choose a
// password, activates the account from that link, and keeps the account's login equal to the
// contact's e-mail. What a guest may then see is decided by access.
package guests

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/users"
)

// InvitationTTL is how long an activation link works.
const InvitationTTL = 72 * time.Hour

// Service manages guest accounts.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Settings *settings.Service
	Auth     *auth.Service
	Users    *users.Service
}

type invitation struct {
	bun.BaseModel `bun:"table:guest_invitations,alias:gi"`

	ID        string     `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	UserID    string     `bun:"user_id,type:uuid,notnull"`
	TokenHash []byte     `bun:"token_hash,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// SetAccess enables or disables the guest account of a contact. Needs ADMIN or GRANT_GUEST_ACCESS.
//
// Enabling creates the account (login: the contact's e-mail, no password) or enables it again, and
// mails an invitation; an enabled account not yet activated gets a new invitation (the older links
// stop working); an enabled, activated account is left as it is. Enabling again a disabled account
// also forgets its old password: only the new invitation opens it.
//
// Disabling ends the account's sessions at once and stops its links; the account keeps its row
// (status DEACTIVATED), so the cases and comments it wrote still name it. Disabling a contact
// without an enabled account changes nothing.
func (s *Service) SetAccess(ctx context.Context, p *access.Principal, contactID string, enabled bool) (*clients.Client, error) {
	if err := access.GrantGuestAccess(p).Err(); err != nil {
		return nil, err
	}
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out *clients.Client
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := clients.LockContact(ctx, tx, contactID, "contactId")
		if err != nil {
			return err
		}
		u, err := accountOf(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		out = c
		if enabled {
			return s.enable(ctx, tx, p, set, c, u, now)
		}
		return s.disable(ctx, tx, p, c, u, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) enable(ctx context.Context, tx bun.Tx, p *access.Principal, set settings.Settings, c *clients.Client, u *users.User, now time.Time) error {
	if c.Email == nil {
		return apperr.Input("email", "the contact has no e-mail address, which would be the guest's login")
	}
	action := "guest.enable"
	switch {
	case u == nil:
		if err := loginFree(ctx, tx, *c.Email, ""); err != nil {
			return err
		}
		u = &users.User{Email: *c.Email, Name: c.Name, Status: users.Active, Permissions: []access.Permission{},
			ContactID: &c.ID, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
			return loginTakenOr(err)
		}
	case u.Status == users.Active && u.PasswordHash != nil:
		return nil // enabled and activated: nothing to do
	case u.Status == users.Active:
		action = "guest.invite" // enabled, never activated: a new link, the old ones stop working
	default:
		// The login should already be the contact's e-mail (ContactChanged keeps it so), but an
		// e-mail removed while disabled leaves the last one: take the contact's again.
		if err := loginFree(ctx, tx, *c.Email, u.ID); err != nil {
			return err
		}
		u.Email, u.Name, u.Status, u.PasswordHash, u.UpdatedAt = *c.Email, c.Name, users.Active, nil, now
		if _, err := tx.NewUpdate().Model(u).Column("email", "name", "status", "password_hash", "updated_at").WherePK().Exec(ctx); err != nil {
			return loginTakenOr(err)
		}
	}
	if err := s.invite(ctx, tx, set, u, now); err != nil {
		return err
	}
	return audit.Append(ctx, tx, p, now, audit.Entry{Action: action, Entity: "client", EntityID: c.ID,
		ChangedFields: []string{"guestAccess", "account:" + u.ID}})
}

func (s *Service) disable(ctx context.Context, tx bun.Tx, p *access.Principal, c *clients.Client, u *users.User, now time.Time) error {
	if u == nil || u.Status != users.Active {
		return nil // no enabled account: nothing to do
	}
	u.Status, u.UpdatedAt = users.Deactivated, now
	if _, err := tx.NewUpdate().Model(u).Column("status", "updated_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	if _, err := session.DeleteForUser(ctx, tx, u.ID); err != nil {
		return err
	}
	if err := stopLinks(ctx, tx, u.ID, now); err != nil {
		return err
	}
	return audit.Append(ctx, tx, p, now, audit.Entry{Action: "guest.disable", Entity: "client", EntityID: c.ID,
		ChangedFields: []string{"guestAccess", "account:" + u.ID}})
}

// invite uses up the account's older invitations and mails a new one.
func (s *Service) invite(ctx context.Context, tx bun.Tx, set settings.Settings, u *users.User, now time.Time) error {
	if err := stopLinks(ctx, tx, u.ID, now); err != nil {
		return err
	}
	token, hash := session.NewToken()
	inv := &invitation{UserID: u.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
		return err
	}
	link := fmt.Sprintf("%s/activate/%s", set.PublicBaseURL, token)
	_, err := outbox.Enqueue(ctx, tx, outbox.Message{
		Channel: outbox.Email, Recipient: u.Email, Subject: "casegate: your guest access",
		Body: fmt.Sprintf("Hello %s,\n\nyou have been given guest access to casegate. You log in with this e-mail address, %s. "+
			"To choose your password and log in, open\n\n%s\n\nThe link works once, for 72 hours.\n", u.Name, u.Email, link),
		Secret: true, ExpiresAt: inv.ExpiresAt, ConcerningUserID: u.ID,
	})
	return err
}

// stopLinks uses up every unused invitation and password-reset link of the account: they were
// mailed for an account state (or an address) that no longer holds.
func stopLinks(ctx context.Context, tx bun.IDB, userID string, now time.Time) error {
	if _, err := tx.NewUpdate().Model((*invitation)(nil)).Set("used_at = ?", now).
		Where("user_id = ? AND used_at IS NULL", userID).Exec(ctx); err != nil {
		return err
	}
	return auth.InvalidateResets(ctx, tx, userID, now)
}

// ErrBadToken is the one answer to an activation link that is unknown, used, expired or whose
// account was disabled, so that the answer tells nothing about which.
var ErrBadToken = apperr.Input("token", "is invalid or has expired")

// Activate sets the password of the account an invitation link was mailed for, uses the link up
// and logs the guest in.
func (s *Service) Activate(ctx context.Context, token, pw, clientAddr string) (*auth.Result, error) {
	if err := password.Check("password", pw); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var res *auth.Result
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		inv := new(invitation)
		err := tx.NewSelect().Model(inv).
			Where("gi.token_hash = ? AND gi.used_at IS NULL AND gi.expires_at > ?", session.HashToken(token), now).
			Where("EXISTS (SELECT 1 FROM users u WHERE u.id = gi.user_id AND u.status = ? AND u.contact_id IS NOT NULL)", users.Active).
			For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*invitation)(nil)).Set("used_at = ?", now).
			Where("user_id = ? AND used_at IS NULL", inv.UserID).Exec(ctx); err != nil {
			return err
		}
		u, err := users.Find(ctx, tx, inv.UserID)
		if err != nil {
			return err
		}
		if err := s.Users.SetPassword(ctx, tx, u.Self(), u.ID, pw); err != nil {
			return err
		}
		if res, err = s.Auth.Open(ctx, tx, u, clientAddr, now); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, res.Principal, now, audit.Entry{Action: "guest.activate", Entity: "user", EntityID: u.ID,
			ChangedFields: []string{"password"}}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, res.Principal, now, audit.Entry{Action: "session.login", Entity: "session", EntityID: res.Principal.SessionID})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ContactChanged keeps the contact's guest account in step with the contact, inside the contact
// update's transaction: its login is the contact's e-mail and its name the contact's. A new login
// stops the links mailed to the old address; an account not yet activated is invited again at the
// new one. An enabled account's contact cannot lose its e-mail.
func (s *Service) ContactChanged(ctx context.Context, tx bun.Tx, p *access.Principal, c *clients.Client) error {
	u, err := accountOf(ctx, tx, c.ID)
	if err != nil || u == nil {
		return err
	}
	now := s.Clock.Now()
	var changed []string
	switch {
	case c.Email == nil && u.Status == users.Active:
		return apperr.Input("email", "cannot be removed while the contact has guest access: it is the guest's login")
	case c.Email != nil && *c.Email != u.Email:
		if err := loginFree(ctx, tx, *c.Email, u.ID); err != nil {
			return err
		}
		u.Email, changed = *c.Email, append(changed, "email")
	}
	if c.Name != u.Name {
		u.Name, changed = c.Name, append(changed, "name")
	}
	if len(changed) == 0 {
		return nil
	}
	u.UpdatedAt = now
	if _, err := tx.NewUpdate().Model(u).Column("email", "name", "updated_at").WherePK().Exec(ctx); err != nil {
		return loginTakenOr(err)
	}
	if changed[0] == "email" {
		if err := stopLinks(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if u.Status == users.Active && u.PasswordHash == nil {
			set, err := s.Settings.Get(ctx, tx)
			if err != nil {
				return err
			}
			if err := s.invite(ctx, tx, set, u, now); err != nil {
				return err
			}
		}
	}
	return audit.Append(ctx, tx, p, now, audit.Entry{Action: "guest.login", Entity: "user", EntityID: u.ID, ChangedFields: changed})
}

// accountOf loads and locks the guest account of a contact; nil when it has none.
func accountOf(ctx context.Context, tx bun.IDB, contactID string) (*users.User, error) {
	u := new(users.User)
	err := tx.NewSelect().Model(u).Where("contact_id = ?", contactID).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load guest account: %w", err)
	}
	return u, nil
}

// AccountsOf loads the guest accounts of contacts, by contact id (those without one are absent).
func AccountsOf(ctx context.Context, db bun.IDB, contactIDs []string) (map[string]*users.User, error) {
	var valid []string
	for _, id := range contactIDs {
		if database.ValidUUID(id) {
			valid = append(valid, id)
		}
	}
	out := make(map[string]*users.User, len(valid))
	if len(valid) == 0 {
		return out, nil
	}
	var rows []users.User
	if err := db.NewSelect().Model(&rows).Where("contact_id IN (?)", bun.In(valid)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load guest accounts: %w", err)
	}
	for i := range rows {
		out[*rows[i].ContactID] = &rows[i]
	}
	return out, nil
}

// loginFree refuses an e-mail that is already the login of another account than exceptID (""
// for none), case-insensitively as the unique index compares, saying whose it is.
func loginFree(ctx context.Context, tx bun.IDB, email, exceptID string) error {
	var other []users.User
	q := tx.NewSelect().Model(&other).Column("id", "contact_id").Where("lower(email) = lower(?)", email)
	if exceptID != "" {
		q.Where("id <> ?", exceptID)
	}
	if err := q.Limit(1).Scan(ctx); err != nil {
		return err
	}
	if len(other) == 0 {
		return nil
	}
	if other[0].IsGuest() {
		return apperr.Conflict("email", "another guest with this e-mail")
	}
	return apperr.Conflict("email", "an employee with this e-mail")
}

// loginTakenOr turns a race lost on users_email_key into the same conflict loginFree answers.
func loginTakenOr(err error) error {
	if c, ok := database.UniqueViolation(err); ok && c == "users_email_key" {
		return apperr.Conflict("email", "a user with this e-mail")
	}
	return err
}
