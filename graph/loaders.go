package graph

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/guests"
	"github.com/casegate/casegate/internal/positions"
	"github.com/casegate/casegate/internal/tempaccess"
	"github.com/casegate/casegate/internal/users"
)

// Loaders batch and cache, per request, what many fields of one response ask for: a list of 200
// users with their managers and groups costs three queries, not six hundred. Each loader is made
// when a field of the request first asks for it: most requests use one or two of them.
type Loaders struct {
	db             bun.IDB
	user           lazy[*dataloader.Loader[string, *users.User]]
	group          lazy[*dataloader.Loader[string, *groups.Group]]
	client         lazy[*dataloader.Loader[string, *clients.Client]]
	project        lazy[*dataloader.Loader[string, *clients.Project]]
	groupsOf       lazy[*dataloader.Loader[string, []groups.Group]]
	positionRights lazy[*dataloader.Loader[string, []positions.Right]]
	position       lazy[*dataloader.Loader[string, *positions.Position]]
	grant          lazy[*dataloader.Loader[string, *tempaccess.Grant]]
	guestAccount   lazy[*dataloader.Loader[string, *users.User]]
}

// lazy is a value made once, by the first get; fields resolved concurrently may ask at once.
type lazy[T any] struct {
	once sync.Once
	v    T
}

func (l *lazy[T]) get(build func() T) T {
	l.once.Do(func() { l.v = build() })
	return l.v
}

type loadersKey struct{}

// NewLoaders makes a fresh set of loaders for one request.
func NewLoaders(db bun.IDB) *Loaders { return &Loaders{db: db} }

// User loads users by id.
func (l *Loaders) User() *dataloader.Loader[string, *users.User] {
	return l.user.get(func() *dataloader.Loader[string, *users.User] {
		return byID(l.db, func(u *users.User) string { return u.ID }, "user")
	})
}

// Group loads groups by id.
func (l *Loaders) Group() *dataloader.Loader[string, *groups.Group] {
	return l.group.get(func() *dataloader.Loader[string, *groups.Group] {
		return byID(l.db, func(g *groups.Group) string { return g.ID }, "group")
	})
}

// Client loads clients by id.
func (l *Loaders) Client() *dataloader.Loader[string, *clients.Client] {
	return l.client.get(func() *dataloader.Loader[string, *clients.Client] {
		return byID(l.db, func(c *clients.Client) string { return c.ID }, "client")
	})
}

// Project loads projects by id.
func (l *Loaders) Project() *dataloader.Loader[string, *clients.Project] {
	return l.project.get(func() *dataloader.Loader[string, *clients.Project] {
		return byID(l.db, func(p *clients.Project) string { return p.ID }, "project")
	})
}

// Position loads positions by id.
func (l *Loaders) Position() *dataloader.Loader[string, *positions.Position] {
	return l.position.get(func() *dataloader.Loader[string, *positions.Position] {
		return byID(l.db, func(p *positions.Position) string { return p.ID }, "position")
	})
}

// Grant loads temporary access grants by id.
func (l *Loaders) Grant() *dataloader.Loader[string, *tempaccess.Grant] {
	return l.grant.get(func() *dataloader.Loader[string, *tempaccess.Grant] {
		return byID(l.db, func(g *tempaccess.Grant) string { return g.ID }, "temporary access grant")
	})
}

// GroupsOf loads the groups of users by the user's id.
func (l *Loaders) GroupsOf() *dataloader.Loader[string, []groups.Group] {
	return l.groupsOf.get(func() *dataloader.Loader[string, []groups.Group] {
		return dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]groups.Group] {
			m, err := groups.OfUsers(ctx, l.db, ids)
			return results(ids, err, func(id string) ([]groups.Group, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []groups.Group](time.Millisecond))
	})
}

// GuestAccount is a contact's guest account by the contact's id; nil when it has none.
func (l *Loaders) GuestAccount() *dataloader.Loader[string, *users.User] {
	return l.guestAccount.get(func() *dataloader.Loader[string, *users.User] {
		return dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*users.User] {
			m, err := guests.AccountsOf(ctx, l.db, ids)
			return results(ids, err, func(id string) (*users.User, error) { return m[id], nil })
		}, dataloader.WithWait[string, *users.User](time.Millisecond))
	})
}

// PositionRights loads the rights users hold through their positions by the user's id.
func (l *Loaders) PositionRights() *dataloader.Loader[string, []positions.Right] {
	return l.positionRights.get(func() *dataloader.Loader[string, []positions.Right] {
		return dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]positions.Right] {
			m, err := positions.RightsOfUsers(ctx, l.db, ids)
			return results(ids, err, func(id string) ([]positions.Right, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []positions.Right](time.Millisecond))
	})
}

// byID is a loader of rows by id; an id with no row is NOT_FOUND.
func byID[T any](db bun.IDB, id func(*T) string, what string) *dataloader.Loader[string, *T] {
	return dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*T] {
		rows, err := database.LoadByIDs[T](ctx, db, ids)
		found := make(map[string]*T, len(rows))
		for i := range rows {
			found[id(&rows[i])] = &rows[i]
		}
		return results(ids, err, func(key string) (*T, error) {
			if r := found[key]; r != nil {
				return r, nil
			}
			return nil, apperr.NotFound(what)
		})
	}, dataloader.WithWait[string, *T](time.Millisecond))
}

func results[T any](ids []string, err error, get func(string) (T, error)) []*dataloader.Result[T] {
	out := make([]*dataloader.Result[T], len(ids))
	for i, id := range ids {
		if err != nil {
			out[i] = &dataloader.Result[T]{Error: err}
			continue
		}
		v, e := get(id)
		out[i] = &dataloader.Result[T]{Data: v, Error: e}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// LoadersMiddleware gives every request its own loaders.
func LoadersMiddleware(db bun.IDB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadersKey{}, NewLoaders(db))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func loaders(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}
