package audit

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
)

// Filter narrows the audit log; empty fields do not filter, and a malformed user id matches nothing.
type Filter struct {
	Action   string
	Entity   string
	EntityID string
	UserID   string
	// NativeUserID matches only the user really logged in; Substituting, when set, only writes
	// made while substituting (true) or not (false).
	NativeUserID string
	Substituting *bool
	From, To     *time.Time
}

// List returns the newest records first, one page after the cursor. Needs VIEW_AUDIT or ADMIN.
func List(ctx context.Context, db bun.IDB, p *access.Principal, f Filter, page relay.Args) (relay.Page[Record], error) {
	if err := access.ViewAudit(p).Err(); err != nil {
		return relay.Page[Record]{}, err
	}
	limit, after, err := page.Int64Cursor()
	if err != nil {
		return relay.Page[Record]{}, err
	}
	var rows []Record
	q := relay.NewestFirst(db.NewSelect().Model(&rows), limit, after)
	if f.Action != "" {
		q.Where("action = ?", f.Action)
	}
	if f.Entity != "" {
		q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q.Where("entity_id = ?", f.EntityID)
	}
	if f.UserID != "" {
		if !database.ValidUUID(f.UserID) {
			return relay.Empty[Record](), nil // ids are opaque: a malformed one names no user
		}
		q.Where("(user_id = ? OR native_user_id = ?)", f.UserID, f.UserID)
	}
	if f.NativeUserID != "" {
		if !database.ValidUUID(f.NativeUserID) {
			return relay.Empty[Record](), nil
		}
		q.Where("native_user_id = ?", f.NativeUserID)
	}
	if f.Substituting != nil {
		q.Where("(substitution_id IS NOT NULL) = ?", *f.Substituting)
	}
	if f.From != nil {
		q.Where("at >= ?", *f.From)
	}
	if f.To != nil {
		q.Where("at < ?", *f.To)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Record]{}, err
	}
	return relay.NewPage(rows, limit, func(r Record) []any { return []any{r.ID} }), nil
}

// OfEntity returns the records of one entity (a case's history), newest first, without an access
// check: the caller has decided that p may see them. hidden names changes the reader may not read:
// a record that changed something and only hidden things is left out, in SQL so that pages stay
// full and hasNextPage exact, and hidden names are taken out of the records shown.
func OfEntity(ctx context.Context, db bun.IDB, entity, id string, hidden []string, page relay.Args) (relay.Page[Record], error) {
	limit, after, err := page.Int64Cursor()
	if err != nil {
		return relay.Page[Record]{}, err
	}
	if hidden == nil {
		hidden = []string{}
	}
	var rows []Record
	q := relay.NewestFirst(db.NewSelect().Model(&rows), limit, after).Where("entity = ? AND entity_id = ?", entity, id).
		Where("(cardinality(changed_fields) = 0 OR NOT changed_fields <@ ?::text[])", pgdialect.Array(hidden))
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Record]{}, err
	}
	if len(hidden) > 0 {
		hide := make(map[string]bool, len(hidden))
		for _, f := range hidden {
			hide[f] = true
		}
		for i := range rows {
			rows[i].ChangedFields = slices.DeleteFunc(rows[i].ChangedFields, func(f string) bool { return hide[f] })
		}
	}
	return relay.NewPage(rows, limit, func(r Record) []any { return []any{r.ID} }), nil
}
