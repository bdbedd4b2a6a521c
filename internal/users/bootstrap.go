package users

import (
	"context"
	"errors"
	"slices"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// EnsureAdmin makes sure a user with email exists, is active and holds ADMIN. A new one gets
// password; an existing one keeps its own, so a restart never resets a password someone changed.
// Replicas starting together all run it: one creates the user, the others find it.
func (s *Service) EnsureAdmin(ctx context.Context, email, name, pw string) (*User, error) {
	sys := access.System()
	u, err := FindByEmail(ctx, s.DB, email)
	if errors.Is(err, apperr.ErrNotFound) {
		u, err = s.Create(ctx, sys, CreateInput{Email: email, Name: name, Password: pw})
		if errors.Is(err, apperr.ErrConflict) { // another replica created it in the meantime
			u, err = FindByEmail(ctx, s.DB, email)
		}
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if u.Status != Active {
		if u, err = s.SetStatus(ctx, sys, u.ID, Active); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(u.Permissions, access.PermAdmin) {
		return s.GrantPermission(ctx, sys, u.ID, access.PermAdmin)
	}
	return u, nil
}

// SetPassword replaces a user's password hash inside tx (password reset, activation), with audit.
func (s *Service) SetPassword(ctx context.Context, tx bun.IDB, p *access.Principal, id, pw string) error {
	hash, err := passwordHash(s, pw)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	if _, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx); err != nil {
		return err
	}
	return audit.Append(ctx, tx, p, now, audit.Entry{Action: "user.password", Entity: "user", EntityID: id, ChangedFields: []string{"password"}})
}
