package users

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
)

// Filter narrows the user directory.
type Filter struct {
	Search  string // part of the name or e-mail, case-insensitive
	Status  *Status
	GroupID string
}

// Get returns one user. Employees see the directory, which holds employees only (a guest account
// is reached through its contact); guests and temporary sessions see only themselves, and asking
// for anyone else is FORBIDDEN (whoever it is: the answer tells nothing).
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*User, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	if !access.Internal(p).Allowed && id != p.UserID {
		return nil, access.Internal(p).Err()
	}
	u, err := Find(ctx, s.DB, id)
	if err == nil && u.IsGuest() && id != p.UserID {
		return nil, apperr.NotFound("user")
	}
	return u, err
}

// Find loads a user by id without an access check, for callers that have made their own.
func Find(ctx context.Context, db bun.IDB, id string) (*User, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("user")
	}
	u := new(User)
	err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	return u, err
}

// FindByEmail loads a user by e-mail, case-insensitively.
func FindByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	return u, err
}

// List pages through the directory by name: employees see employees (guest accounts are not
// listed). A malformed group id matches nothing.
func (s *Service) List(ctx context.Context, p *access.Principal, f Filter, page relay.Args) (relay.Page[User], error) {
	if err := access.Internal(p).Err(); err != nil {
		return relay.Page[User]{}, err
	}
	limit, after, err := page.NameIDCursor()
	if err != nil {
		return relay.Page[User]{}, err
	}
	var rows []User
	q := s.DB.NewSelect().Model(&rows).Where("NOT is_system AND contact_id IS NULL")
	if f.Search != "" {
		like := relay.ContainsPattern(f.Search)
		q.Where("(name ILIKE ? OR email ILIKE ?)", like, like)
	}
	if f.Status != nil {
		q.Where("status = ?", *f.Status)
	}
	if f.GroupID != "" {
		if !database.ValidUUID(f.GroupID) {
			return relay.Empty[User](), nil
		}
		q.Where("EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id = ?)", f.GroupID)
	}
	return relay.ByNameID(ctx, q, &rows, limit, after, func(u User) relay.NameID { return relay.NameID{Name: u.Name, ID: u.ID} })
}
