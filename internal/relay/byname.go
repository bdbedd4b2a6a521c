package relay

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// NameID is the position of a row in a list ordered by name, then id (a uuid): the directory,
// groups, positions.
type NameID struct {
	Name, ID string
}

// NameIDCursor validates first and decodes the after cursor of a (name, id) list. A cursor whose
// id is not a uuid is not a cursor of such a list, and must not reach PostgreSQL as a cast error.
func (a Args) NameIDCursor() (limit int, after *NameID, err error) {
	limit, err = a.Limit()
	if err != nil {
		return 0, nil, err
	}
	var k NameID
	ok, err := a.Keys(&k.Name, &k.ID)
	if err != nil || !ok {
		return limit, nil, err
	}
	if !database.ValidUUID(k.ID) {
		return 0, nil, apperr.Input("after", "not a cursor of this list")
	}
	return limit, &k, nil
}

// ByNameID fetches the page of q (a select on rows, already filtered) that follows after, ordered
// by name and id, and builds it; key gives a row's name and id.
func ByNameID[T any](ctx context.Context, q *bun.SelectQuery, rows *[]T, limit int, after *NameID, key func(T) NameID) (Page[T], error) {
	q = q.OrderExpr("name, id").Limit(int64(limit) + 1)
	if after != nil {
		q = q.Where("(name, id) > (?, ?::uuid)", after.Name, after.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return Page[T]{}, err
	}
	return NewPage(*rows, limit, func(r T) []any { k := key(r); return []any{k.Name, k.ID} }), nil
}

// Empty is the page of a filter that cannot match (a malformed id, say).
func Empty[T any]() Page[T] { return NewPage[T](nil, 0, nil) }

// ContainsPattern is an ILIKE pattern matching s anywhere, with the pattern characters of s (%, _
// and the escape \) matched literally.
func ContainsPattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
