// Package groups stores user groups and their members. Groups appear in access lists (visibleOnlyFor,
// modifyOnlyFor, ACLs); one built-in group, client-data, gives its members every client's data.
package groups

import (
	"context"
	"database/sql"
	"errors"
	"strings"
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

// Group is a row of the groups table. Key is set only on built-in groups.
type Group struct {
	bun.BaseModel `bun:"table:groups,alias:g"`

	ID        string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Key       *string   `bun:"key"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Member is a row of group_members.
type Member struct {
	bun.BaseModel `bun:"table:group_members,alias:gm"`

	GroupID   string    `bun:"group_id,pk,type:uuid"`
	UserID    string    `bun:"user_id,pk,type:uuid"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Service is the administrative API over groups.
type Service struct {
	DB    *bun.DB
	Clock clockwork.Clock
}

// Create adds a group. Needs ADMIN; names are unique regardless of case.
func (s *Service) Create(ctx context.Context, p *access.Principal, name string) (*Group, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	name, err := users.NormalizeName("name", name)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: name, CreatedAt: s.Clock.Now()}
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(g).Returning("id").Exec(ctx)
		if c, ok := database.UniqueViolation(err); ok && c == "groups_name_key" {
			return apperr.Conflict("name", "a group with this name")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, g.CreatedAt, audit.Entry{Action: "group.create", Entity: "group", EntityID: g.ID, ChangedFields: []string{"name"}})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// AddMember puts a user in a group (idempotent). Needs ADMIN. The system user belongs to no group.
func (s *Service) AddMember(ctx context.Context, p *access.Principal, groupID, userID string) (*Group, error) {
	if err := access.GrantTo(p, userID).Err(); err != nil {
		return nil, err
	}
	return s.changeMembers(ctx, p, groupID, userID, "group.member.add", func(ctx context.Context, tx bun.Tx, now time.Time) error {
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
		_, err = tx.NewInsert().Model(&Member{GroupID: groupID, UserID: userID, CreatedAt: now}).On("CONFLICT DO NOTHING").Exec(ctx)
		return err
	})
}

// RemoveMember takes a user out of a group (idempotent). Needs ADMIN.
func (s *Service) RemoveMember(ctx context.Context, p *access.Principal, groupID, userID string) (*Group, error) {
	return s.changeMembers(ctx, p, groupID, userID, "group.member.remove", func(ctx context.Context, tx bun.Tx, _ time.Time) error {
		_, err := tx.NewDelete().Model((*Member)(nil)).Where("group_id = ? AND user_id = ?", groupID, userID).Exec(ctx)
		return err
	})
}

func (s *Service) changeMembers(ctx context.Context, p *access.Principal, groupID, userID, action string, change func(context.Context, bun.Tx, time.Time) error) (*Group, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	var g *Group
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if g, err = Find(ctx, tx, groupID); err != nil {
			return err
		}
		if !database.ValidUUID(userID) {
			return apperr.Input("userId", "no such user")
		}
		now := s.Clock.Now()
		if err := change(ctx, tx, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: action, Entity: "group", EntityID: groupID, ChangedFields: []string{"members:" + userID}})
	})
	return g, err
}

// Find loads a group by id.
func Find(ctx context.Context, db bun.IDB, id string) (*Group, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("group")
	}
	g := new(Group)
	err := db.NewSelect().Model(g).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("group")
	}
	return g, err
}

// Get returns one group. Employees only.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Group, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	return Find(ctx, s.DB, id)
}

// List pages through the groups by name. Employees only.
func (s *Service) List(ctx context.Context, p *access.Principal, search string, page relay.Args) (relay.Page[Group], error) {
	if err := access.Internal(p).Err(); err != nil {
		return relay.Page[Group]{}, err
	}
	limit, after, err := page.NameIDCursor()
	if err != nil {
		return relay.Page[Group]{}, err
	}
	var rows []Group
	q := s.DB.NewSelect().Model(&rows)
	if search = strings.TrimSpace(search); search != "" {
		q.Where("name ILIKE ?", relay.ContainsPattern(search))
	}
	return relay.ByNameID(ctx, q, &rows, limit, after, func(g Group) relay.NameID { return relay.NameID{Name: g.Name, ID: g.ID} })
}

// OfUsers returns the groups of each user (for batch loaders): user id → groups.
func OfUsers(ctx context.Context, db bun.IDB, userIDs []string) (map[string][]Group, error) {
	var rows []struct {
		UserID string `bun:"user_id"`
		Group
	}
	out := map[string][]Group{}
	if len(userIDs) == 0 {
		return out, nil
	}
	err := db.NewSelect().Model((*Group)(nil)).ColumnExpr("gm.user_id, g.*").
		Join("JOIN group_members gm ON gm.group_id = g.id").
		Where("gm.user_id IN (?)", bun.In(userIDs)).OrderExpr("g.name").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.Group)
	}
	return out, err
}
