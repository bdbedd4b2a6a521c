package relay

import "github.com/uptrace/bun"

// NewestFirst orders a select on a table keyed by an increasing integer id newest first and takes
// the page after the cursor of Int64Cursor: one row more than limit, so that NewPage can tell
// whether there is a next page.
func NewestFirst(q *bun.SelectQuery, limit int, after *int64) *bun.SelectQuery {
	q = q.OrderExpr("id DESC").Limit(int64(limit) + 1)
	if after != nil {
		q = q.Where("id < ?", *after)
	}
	return q
}
