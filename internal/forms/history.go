package forms

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/relay"
)

// History lists the revisions of a procedure's access settings, newest first: who changed which
// cells when. The revisions are the source; each was written with an audit record listing the same
// cells, in the same transaction. Needs ADMIN.
func (s *Service) History(ctx context.Context, p *access.Principal, procedure string, page relay.Args) (relay.Page[Revision], error) {
	if err := access.Administer(p).Err(); err != nil {
		return relay.Page[Revision]{}, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return relay.Page[Revision]{}, err
	}
	limit, after, err := page.Int64Cursor()
	if err != nil {
		return relay.Page[Revision]{}, err
	}
	var rows []Revision
	q := s.DB.NewSelect().Model(&rows).ExcludeColumn("settings").Where("procedure = ?", proc.Key).
		OrderExpr("version DESC").Limit(int64(limit) + 1)
	if after != nil {
		q.Where("version < ?", *after)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Revision]{}, err
	}
	return relay.NewPage(rows, limit, func(r Revision) []any { return []any{r.Version} }), nil
}
