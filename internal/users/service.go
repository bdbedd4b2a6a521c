package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/session"
)

// Service is the administrative and directory API over users.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Password password.Params
}

// CreateInput is what an administrator gives for a new user.
type CreateInput struct {
	Email, Name, Password string
	Phone                 *string
	ManagerID             *string
	ProfileExpiresOn      *time.Time
}

// UpdateInput changes the fields that are set; nil leaves a field as it is.
type UpdateInput struct {
	Email, Name      *string
	Phone            *string
	ManagerID        *string
	ProfileExpiresOn *time.Time
	ClearManager     bool
	ClearExpiry      bool
}

// Create adds a user. Needs ADMIN.
func (s *Service) Create(ctx context.Context, p *access.Principal, in CreateInput) (*User, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	u, err := s.newUser(in)
	if err != nil {
		return nil, err
	}
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if u.ManagerID != nil {
			if err := mustExist(ctx, tx, *u.ManagerID, "managerId"); err != nil {
				return err
			}
		}
		if err := insert(ctx, tx, u); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, u.CreatedAt, audit.Entry{Action: "user.create", Entity: "user", EntityID: u.ID,
			ChangedFields: []string{"email", "name", "phone", "managerId", "profileExpiresOn", "password"}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Service) newUser(in CreateInput) (*User, error) {
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	name, err := NormalizeName("name", in.Name)
	if err != nil {
		return nil, err
	}
	phone, err := NormalizePhone("phone", in.Phone)
	if err != nil {
		return nil, err
	}
	if err := password.Check("password", in.Password); err != nil {
		return nil, err
	}
	hash, err := password.Hash(in.Password, s.Password)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return &User{Email: email, Name: name, Phone: phone, ManagerID: in.ManagerID, Status: Active,
		ProfileExpiresOn: in.ProfileExpiresOn, PasswordHash: &hash, Permissions: []access.Permission{},
		CreatedAt: now, UpdatedAt: now}, nil
}

func insert(ctx context.Context, db bun.IDB, u *User) error {
	_, err := db.NewInsert().Model(u).Returning("id").Exec(ctx)
	if c, ok := database.UniqueViolation(err); ok && c == "users_email_key" {
		return apperr.Conflict("email", "a user with this e-mail")
	}
	return err
}

// Empty reports whether the input changes nothing.
func (in UpdateInput) Empty() bool {
	return in.Email == nil && in.Name == nil && in.Phone == nil && in.ManagerID == nil && in.ProfileExpiresOn == nil &&
		!in.ClearManager && !in.ClearExpiry
}

// Update changes a user's profile. Needs ADMIN. An input that names no field is refused rather
// than recorded as a change of nothing.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, in UpdateInput) (*User, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	if in.Empty() {
		return nil, apperr.Input("input", "names no field to change")
	}
	var out *User
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := lockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsSystem {
			return ErrSystemUser("id")
		}
		changed, err := applyUpdate(ctx, tx, u, in)
		if err != nil {
			return err
		}
		u.UpdatedAt = s.Clock.Now()
		if _, err := tx.NewUpdate().Model(u).WherePK().Exec(ctx); err != nil {
			if c, ok := database.UniqueViolation(err); ok && c == "users_email_key" {
				return apperr.Conflict("email", "a user with this e-mail")
			}
			return err
		}
		out = u
		return audit.Append(ctx, tx, p, u.UpdatedAt, audit.Entry{Action: "user.update", Entity: "user", EntityID: id, ChangedFields: changed})
	})
	return out, err
}

func applyUpdate(ctx context.Context, tx bun.Tx, u *User, in UpdateInput) ([]string, error) {
	var changed []string
	if in.Email != nil {
		email, err := NormalizeEmail("email", *in.Email)
		if err != nil {
			return nil, err
		}
		u.Email, changed = email, append(changed, "email")
	}
	if in.Name != nil {
		name, err := NormalizeName("name", *in.Name)
		if err != nil {
			return nil, err
		}
		u.Name, changed = name, append(changed, "name")
	}
	if in.Phone != nil {
		phone, err := NormalizePhone("phone", in.Phone)
		if err != nil {
			return nil, err
		}
		u.Phone, changed = phone, append(changed, "phone")
	}
	if in.ManagerID != nil || in.ClearManager {
		if in.ManagerID != nil {
			if err := checkManager(ctx, tx, u.ID, *in.ManagerID); err != nil {
				return nil, err
			}
		}
		u.ManagerID, changed = in.ManagerID, append(changed, "managerId")
	}
	if in.ProfileExpiresOn != nil || in.ClearExpiry {
		u.ProfileExpiresOn, changed = in.ProfileExpiresOn, append(changed, "profileExpiresOn")
	}
	return changed, nil
}

// checkManager refuses a manager that does not exist or that would make the chain a cycle.
func checkManager(ctx context.Context, tx bun.IDB, userID, managerID string) error {
	if err := mustExist(ctx, tx, managerID, "managerId"); err != nil {
		return err
	}
	var cycle bool
	err := tx.NewRaw(`WITH RECURSIVE chain(id) AS (
			SELECT ?::uuid UNION SELECT u.manager_id FROM users u JOIN chain c ON u.id = c.id WHERE u.manager_id IS NOT NULL)
		SELECT EXISTS (SELECT 1 FROM chain WHERE id = ?)`, managerID, userID).Scan(ctx, &cycle)
	if err != nil {
		return err
	}
	if cycle {
		return apperr.Input("managerId", "would make the user their own manager")
	}
	return nil
}

// SetStatus activates, deactivates or blocks a user; leaving ACTIVE ends every session at once.
// Nobody can deactivate or block themselves, nor the last active administrator.
func (s *Service) SetStatus(ctx context.Context, p *access.Principal, id string, st Status) (*User, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	if id == p.NativeUserID && st != Active {
		return nil, apperr.Input("status", "you cannot deactivate or block yourself")
	}
	var out *User
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if st != Active {
			if err := keepAnAdmin(ctx, tx, id, "status"); err != nil {
				return err
			}
		}
		u, err := lockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsSystem {
			return ErrSystemUser("id")
		}
		u.Status, u.UpdatedAt = st, s.Clock.Now()
		if _, err := tx.NewUpdate().Model(u).Column("status", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if st != Active {
			if _, err := session.DeleteForUser(ctx, tx, id); err != nil {
				return err
			}
			if err := session.EndSubstitutionsOf(ctx, tx, id); err != nil {
				return err
			}
		}
		out = u
		return audit.Append(ctx, tx, p, u.UpdatedAt, audit.Entry{Action: "user.status", Entity: "user", EntityID: id, ChangedFields: []string{"status"}})
	})
	return out, err
}

// keepAnAdmin refuses a change that takes user id out of the active administrators when no other
// would be left. It locks every active administrator's row first (always in id order, so two such
// changes cannot deadlock): two administrators removing each other at the same moment are then
// serialised, and the second sees that it would remove the last one.
func keepAnAdmin(ctx context.Context, tx bun.Tx, id, field string) error {
	var admins []string
	if err := tx.NewSelect().Model((*User)(nil)).Column("id").
		Where("status = ? AND ? = ANY(permissions) AND NOT is_system", Active, access.PermAdmin).
		OrderExpr("id").For("UPDATE").Scan(ctx, &admins); err != nil {
		return fmt.Errorf("lock administrators: %w", err)
	}
	if len(admins) == 1 && admins[0] == id {
		return apperr.Input(field, "would leave no active administrator")
	}
	return nil
}

// ErrSystemUser refuses a change to the built-in system user, naming the argument that named it.
// The system user is not an account: it has no password, groups, position rights or permissions
// and is always active; bootstrap and jobs act as it.
func ErrSystemUser(field string) error {
	return apperr.Input(field, "the system user cannot be changed")
}

// GrantPermission gives a user a system permission. Needs ADMIN.
func (s *Service) GrantPermission(ctx context.Context, p *access.Principal, id string, perm access.Permission) (*User, error) {
	if err := access.GrantTo(p, id).Err(); err != nil {
		return nil, err
	}
	return s.changePermissions(ctx, p, id, "user.permission.grant", false, func(ps []access.Permission) []access.Permission {
		if slices.Contains(ps, perm) {
			return ps
		}
		return append(ps, perm)
	})
}

// RevokePermission takes a system permission away. Needs ADMIN; an administrator cannot revoke
// their own ADMIN (the logged-in user's, also while substituting), and nobody can revoke the last
// active administrator's, so the system is never left without one.
func (s *Service) RevokePermission(ctx context.Context, p *access.Principal, id string, perm access.Permission) (*User, error) {
	if perm == access.PermAdmin && p != nil && id == p.NativeUserID {
		return nil, apperr.Input("permission", "you cannot revoke your own ADMIN")
	}
	return s.changePermissions(ctx, p, id, "user.permission.revoke", perm == access.PermAdmin, func(ps []access.Permission) []access.Permission {
		return slices.DeleteFunc(ps, func(q access.Permission) bool { return q == perm })
	})
}

func (s *Service) changePermissions(ctx context.Context, p *access.Principal, id, action string, removesAdmin bool, change func([]access.Permission) []access.Permission) (*User, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	var out *User
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if removesAdmin {
			if err := keepAnAdmin(ctx, tx, id, "permission"); err != nil {
				return err
			}
		}
		u, err := lockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IsSystem {
			return apperr.Input("userId", "the system user has no permissions to change")
		}
		u.Permissions, u.UpdatedAt = change(u.Permissions), s.Clock.Now()
		if _, err := tx.NewUpdate().Model(u).Column("permissions", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		out = u
		return audit.Append(ctx, tx, p, u.UpdatedAt, audit.Entry{Action: action, Entity: "user", EntityID: id, ChangedFields: []string{"permissions"}})
	})
	return out, err
}

// lockUser locks an employee's row for an administrative change. A guest account is not in the
// directory and is managed through its contact (setGuestAccess, updateContact), so it is not found.
func lockUser(ctx context.Context, tx bun.IDB, id string) (*User, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("user")
	}
	u := new(User)
	err := tx.NewSelect().Model(u).Where("id = ? AND contact_id IS NULL", id).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

func mustExist(ctx context.Context, db bun.IDB, id, field string) error {
	if !database.ValidUUID(id) {
		return apperr.Input(field, "no such user")
	}
	ok, err := db.NewSelect().Model((*User)(nil)).Where("id = ? AND NOT is_system AND contact_id IS NULL", id).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Input(field, "no such user")
	}
	return nil
}

func passwordHash(s *Service, pw string) (string, error) {
	if err := password.Check("password", pw); err != nil {
		return "", err
	}
	return password.Hash(pw, s.Password)
}
