// Package positions stores the organisation tree (stanowiska) and users' rights to its nodes.
// Cases and documents reside at a position; a right to it (optionally with its subtree) opens them.
package positions

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/users"
)

// Position is a node of the organisation tree. Path is the id chain from the root, "/a/b/id/".
type Position struct {
	bun.BaseModel `bun:"table:positions,alias:p"`

	ID        string    `bun:"id,pk,type:uuid"`
	ParentID  *string   `bun:"parent_id,type:uuid"`
	Name      string    `bun:"name,notnull"`
	Path      string    `bun:"path,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Right is a user's right to a position.
type Right struct {
	bun.BaseModel `bun:"table:position_rights,alias:pr"`

	PositionID     string    `bun:"position_id,pk,type:uuid"`
	UserID         string    `bun:"user_id,pk,type:uuid"`
	IncludeSubtree bool      `bun:"include_subtree,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Service is the administrative API over the organisation tree.
type Service struct {
	DB    *bun.DB
	Clock clockwork.Clock
}

// Create adds a node under parentID (nil for a root). Needs ADMIN.
func (s *Service) Create(ctx context.Context, p *access.Principal, name string, parentID *string) (*Position, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	name, err := users.NormalizeName("name", name)
	if err != nil {
		return nil, err
	}
	pos := &Position{ID: newID(), Name: name, ParentID: parentID, CreatedAt: s.Clock.Now()}
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		pos.Path = "/" + pos.ID + "/"
		if parentID != nil {
			parent, err := Find(ctx, tx, *parentID)
			if errors.Is(err, apperr.ErrNotFound) {
				return apperr.Input("parentId", "no such position")
			}
			if err != nil {
				return err
			}
			pos.Path = parent.Path + pos.ID + "/"
		}
		if _, err := tx.NewInsert().Model(pos).Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, pos.CreatedAt, audit.Entry{Action: "position.create", Entity: "position", EntityID: pos.ID, ChangedFields: []string{"name", "parentId"}})
	})
	if err != nil {
		return nil, err
	}
	return pos, nil
}

// GrantRight gives a user a right to a position (replacing an earlier one). Needs ADMIN. The
// system user holds no position rights.
func (s *Service) GrantRight(ctx context.Context, p *access.Principal, positionID, userID string, subtree bool) (*Right, error) {
	if err := access.GrantTo(p, userID).Err(); err != nil {
		return nil, err
	}
	r := &Right{PositionID: positionID, UserID: userID, IncludeSubtree: subtree, CreatedAt: s.Clock.Now()}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := Find(ctx, tx, positionID); err != nil {
			return err
		}
		u, err := users.Find(ctx, tx, userID)
		if errors.Is(err, apperr.ErrNotFound) || err == nil && u.IsGuest() { // a guest account is no employee
			return apperr.Input("userId", "no such user")
		}
		if err != nil {
			return err
		}
		if u.IsSystem {
			return users.ErrSystemUser("userId")
		}
		if _, err := tx.NewInsert().Model(r).On("CONFLICT (position_id, user_id) DO UPDATE").
			Set("include_subtree = EXCLUDED.include_subtree").Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, r.CreatedAt, audit.Entry{Action: "position.right.grant", Entity: "position", EntityID: positionID, ChangedFields: []string{"rights:" + userID}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// RevokeRight takes a user's right to a position away (idempotent). Needs ADMIN.
func (s *Service) RevokeRight(ctx context.Context, p *access.Principal, positionID, userID string) (*Position, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	var pos *Position
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if pos, err = Find(ctx, tx, positionID); err != nil {
			return err
		}
		if !database.ValidUUID(userID) {
			return apperr.Input("userId", "no such user")
		}
		if _, err := tx.NewDelete().Model((*Right)(nil)).Where("position_id = ? AND user_id = ?", positionID, userID).Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: "position.right.revoke", Entity: "position", EntityID: positionID, ChangedFields: []string{"rights:" + userID}})
	})
	return pos, err
}

// Find loads a position by id.
func Find(ctx context.Context, db bun.IDB, id string) (*Position, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("position")
	}
	pos := new(Position)
	err := db.NewSelect().Model(pos).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("position")
	}
	return pos, err
}

// Get returns one position. Employees only.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Position, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	return Find(ctx, s.DB, id)
}

// List pages through the children of parentID (the roots when nil), by name. Employees only. A
// malformed parent id has no children.
func (s *Service) List(ctx context.Context, p *access.Principal, parentID *string, page relay.Args) (relay.Page[Position], error) {
	if err := access.Internal(p).Err(); err != nil {
		return relay.Page[Position]{}, err
	}
	limit, after, err := page.NameIDCursor()
	if err != nil {
		return relay.Page[Position]{}, err
	}
	var rows []Position
	q := s.DB.NewSelect().Model(&rows)
	switch {
	case parentID == nil:
		q.Where("parent_id IS NULL")
	case database.ValidUUID(*parentID):
		q.Where("parent_id = ?", *parentID)
	default:
		return relay.Empty[Position](), nil
	}
	return relay.ByNameID(ctx, q, &rows, limit, after, func(p Position) relay.NameID { return relay.NameID{Name: p.Name, ID: p.ID} })
}

// RightsOfUsers returns each user's position rights (for batch loaders): user id → rights.
func RightsOfUsers(ctx context.Context, db bun.IDB, userIDs []string) (map[string][]Right, error) {
	out := map[string][]Right{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []Right
	err := db.NewSelect().Model(&rows).Where("user_id IN (?)", bun.In(userIDs)).OrderExpr("created_at").Scan(ctx)
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r)
	}
	return out, err
}
