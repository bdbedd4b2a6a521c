package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/positions"
	"github.com/casegate/casegate/internal/users"
)

// Loaders batch and cache, per request, what many fields of one response ask for: a list of 200
// users with their managers and groups costs three queries, not six hundred.
type Loaders struct {
	User           *dataloader.Loader[string, *users.User]
	GroupsOf       *dataloader.Loader[string, []groups.Group]
	PositionRights *dataloader.Loader[string, []positions.Right]
	Position       *dataloader.Loader[string, *positions.Position]
}

type loadersKey struct{}

// NewLoaders makes a fresh set of loaders for one request.
func NewLoaders(db bun.IDB) *Loaders {
	opts := []dataloader.Option[string, *users.User]{dataloader.WithWait[string, *users.User](time.Millisecond)}
	return &Loaders{
		User: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*users.User] {
			rows, err := users.Load(ctx, db, ids)
			byID := map[string]*users.User{}
			for i := range rows {
				byID[rows[i].ID] = &rows[i]
			}
			return results(ids, err, func(id string) (*users.User, error) {
				if u := byID[id]; u != nil {
					return u, nil
				}
				return nil, apperr.NotFound("user")
			})
		}, opts...),
		GroupsOf: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]groups.Group] {
			m, err := groups.OfUsers(ctx, db, ids)
			return results(ids, err, func(id string) ([]groups.Group, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []groups.Group](time.Millisecond)),
		PositionRights: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[[]positions.Right] {
			m, err := positions.RightsOfUsers(ctx, db, ids)
			return results(ids, err, func(id string) ([]positions.Right, error) { return nonNil(m[id]), nil })
		}, dataloader.WithWait[string, []positions.Right](time.Millisecond)),
		Position: dataloader.NewBatchedLoader(func(ctx context.Context, ids []string) []*dataloader.Result[*positions.Position] {
			rows, err := positions.Load(ctx, db, ids)
			byID := map[string]*positions.Position{}
			for i := range rows {
				byID[rows[i].ID] = &rows[i]
			}
			return results(ids, err, func(id string) (*positions.Position, error) {
				if p := byID[id]; p != nil {
					return p, nil
				}
				return nil, apperr.NotFound("position")
			})
		}, dataloader.WithWait[string, *positions.Position](time.Millisecond)),
	}
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
