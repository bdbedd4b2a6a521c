package database

import (
	"reflect"
	"time"

	"github.com/uptrace/bun"
)

// PostgreSQL holds times that Go cannot read back: pgdriver parses a timestamptz from its text,
// and years after 9999, BC years and ±infinity do not parse, failing the whole query. Reads that
// must survive such a row (one written before the API bounded its times, or by hand) clamp the
// times into [MinTime, MaxTime] (values.go) in SQL.
var timeType = reflect.TypeFor[time.Time]()

// ReadableTime adds the time column col (a column name, qualified or not) to q as name, clamped
// into [MinTime, MaxTime]; NULL stays NULL.
func ReadableTime(q *bun.SelectQuery, col, name string) *bun.SelectQuery {
	c := bun.Ident(col)
	return q.ColumnExpr("CASE WHEN ? > ? THEN ? WHEN ? < ? THEN ? ELSE ? END AS ?",
		c, MaxTime, MaxTime, c, MinTime, MinTime, c, bun.Ident(name))
}

// ReadableColumns selects every column of T's table (T is a bun model), its time columns through
// ReadableTime, so that q scans into T whatever times a row holds.
func ReadableColumns[T any](q *bun.SelectQuery) *bun.SelectQuery {
	t := q.DB().Table(reflect.TypeFor[T]())
	for _, f := range t.Fields {
		if f.IndirectType == timeType {
			q = ReadableTime(q, t.Alias+"."+f.Name, f.Name)
		} else {
			q = q.ColumnExpr("?TableAlias.?", bun.Ident(f.Name))
		}
	}
	return q
}
