package cases

import (
	"context"
	"strings"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/relay"
)

// History lists the audit records of a case loaded for p, newest first: what was done to it, when
// and by whom. A temporary session sees it only when its grant opens HISTORY. The names of fields
// hidden from p are left out of each record, so the history does not reveal what p may not see.
func (s *Service) History(ctx context.Context, p *access.Principal, c *Case, page relay.Args) (relay.Page[audit.Record], error) {
	if c.decision.Right < access.Read || !access.CasePart(p, access.PartHistory) {
		return relay.Empty[audit.Record](), nil
	}
	out, err := audit.OfEntity(ctx, s.DB, "case", c.ID, page)
	if err != nil {
		return out, err
	}
	proc, err := s.procedure(c.Procedure)
	if err != nil {
		return out, err
	}
	for i := range out.Edges {
		r := &out.Edges[i].Node
		kept := r.ChangedFields[:0:0]
		for _, f := range r.ChangedFields {
			if si, fi, ok := proc.Field(strings.TrimPrefix(f, "fieldMode:")); ok && c.decision.Field(si, fi) == access.Hidden {
				continue
			}
			kept = append(kept, f)
		}
		r.ChangedFields = kept
	}
	return out, nil
}
