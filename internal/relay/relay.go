// Package relay implements Relay-style connections with keyset cursors: a cursor is the sort key of
// the last row seen, so paging never skips or repeats rows when others are inserted meanwhile.
package relay

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// MaxFirst bounds a page (docs/api.md, "Limits"); DefaultFirst is used when the client gives none.
const (
	MaxFirst     = 200
	DefaultFirst = 50
)

// Args are a connection's arguments as the client sent them.
type Args struct {
	First *int
	After *string
}

// Limit validates first.
func (a Args) Limit() (int, error) {
	if a.First == nil {
		return DefaultFirst, nil
	}
	if *a.First < 0 || *a.First > MaxFirst {
		return 0, apperr.Input("first", fmt.Sprintf("must be between 0 and %d", MaxFirst))
	}
	return *a.First, nil
}

// Cursor decodes the after cursor into the sort key values it holds (nil when absent).
func (a Args) Cursor() ([]json.RawMessage, error) {
	if a.After == nil || *a.After == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*a.After)
	if err != nil {
		return nil, apperr.Input("after", "not a cursor of this list")
	}
	var keys []json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || len(keys) == 0 {
		return nil, apperr.Input("after", "not a cursor of this list")
	}
	return keys, nil
}

// Int64Cursor is Limit and Cursor for lists keyed by one integer.
func (a Args) Int64Cursor() (limit int, after *int64, err error) {
	var v int64
	ok, err := a.Keys(&v)
	if err != nil {
		return 0, nil, err
	}
	limit, _ = a.Limit()
	if !ok {
		return limit, nil, nil
	}
	return limit, &v, nil
}

// Keys validates first and decodes the cursor into dst (one pointer per sort key). ok is false when
// there is no cursor; limit errors are reported first.
func (a Args) Keys(dst ...any) (ok bool, err error) {
	if _, err := a.Limit(); err != nil {
		return false, err
	}
	keys, err := a.Cursor()
	if err != nil || keys == nil {
		return false, err
	}
	if len(keys) != len(dst) {
		return false, apperr.Input("after", "not a cursor of this list")
	}
	for i := range dst {
		if err := json.Unmarshal(keys[i], dst[i]); err != nil || !storable(dst[i]) {
			return false, apperr.Input("after", "not a cursor of this list")
		}
	}
	return true, nil
}

// storable reports whether a decoded sort key is one PostgreSQL can compare: a cursor is the
// client's to forge, and its keys reach SQL as they are (text without NUL, a time of years 1-9999).
func storable(key any) bool {
	switch k := key.(type) {
	case *string:
		return database.ValidText(*k)
	case *time.Time:
		return database.ValidTime(*k)
	}
	return true
}

// Encode makes a cursor from sort key values.
func Encode(keys ...any) string {
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Edge is one node with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Page is one page of a connection.
type Page[T any] struct {
	Edges       []Edge[T]
	HasNext     bool
	HasPrevious bool
	StartCursor *string
	EndCursor   *string
}

// NewPage builds a page from rows fetched with LIMIT limit+1 (the extra row tells whether there is a
// next page); keys gives a row's sort key.
func NewPage[T any](rows []T, limit int, keys func(T) []any) Page[T] {
	p := Page[T]{HasNext: len(rows) > limit}
	if p.HasNext {
		rows = rows[:limit]
	}
	p.Edges = make([]Edge[T], len(rows))
	for i, r := range rows {
		p.Edges[i] = Edge[T]{Cursor: Encode(keys(r)...), Node: r}
	}
	if len(rows) > 0 {
		p.StartCursor, p.EndCursor = &p.Edges[0].Cursor, &p.Edges[len(rows)-1].Cursor
	}
	return p
}
