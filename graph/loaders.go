package graph

import (
	"context"
	"net/http"
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
// users with their managers and groups costs three queries, not six hundred.
type Loaders struct {
	User           *dataloader.Loader[string, *users.User]
	Group          *dataloader.Loader[string, *groups.Group]
	Client         *dataloader.Loader[string, *clients.Client]
	Project        *dataloader.Loader[string, *clients.Project]
	GroupsOf       *dataloader.Loader[string, []groups.Group]
	PositionRights *dataloader.Loader[string, []positions.Right]
	Position       *dataloader.Loader[string, *positions.Position]
	Grant          *dataloader.Loader[string, *tempaccess.Grant]
	// GuestAccount is a contact's guest account by the contact's id; nil when it has none.
	GuestAccount *dataloader.Loader[string, *users.User]
}

type loadersKey struct{}

// NewLoaders makes a fresh set of loaders for one request.
func NewLoaders(db bun.IDB) *Loaders {
	return &Loaders{
		User:     byID(db, func(u *users.User) string { return u.ID }, "user"),
		Group:    byID(db, func(g *groups.Group) string { return g.ID }, "group"),
		Client:   byID(db, func(c *clients.Client) string { return c.ID }, "client"),
		Project:  byID(db, func(p *clients.Project) string { return p.ID }, "project"),
		Position: byID(db, func(p *positions.Position) string { return p.ID }, "position"),
		Grant:    byID(db, func(g *tempaccess.Grant) string { return g.ID }, "temporary access grant"),
		GroupsOf: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]groups.Group] {
			m, err := groups.OfUsers(ctx, db, ids)
			return results(ids, err, func(id string) ([]groups.Group, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []groups.Group](time.Millisecond)),
		GuestAccount: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*users.User] {
			m, err := guests.AccountsOf(ctx, db, ids)
			return results(ids, err, func(id string) (*users.User, error) { return m[id], nil })
		}, dataloader.WithWait[string, *users.User](time.Millisecond)),
		PositionRights: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]positions.Right] {
			m, err := positions.RightsOfUsers(ctx, db, ids)
			return results(ids, err, func(id string) ([]positions.Right, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []positions.Right](time.Millisecond)),
	}
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
