package cases

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/relay"
)

// History lists the audit records of a case loaded for p, newest first: what was done to it, when
// and by whom. A temporary session sees it only when its grant opens HISTORY. It shows p only the
// changes p could read: the names of fields (and their mode overrides) hidden from p are left out
// of each record, and a record of nothing but hidden changes is not shown at all, since even who
// changed something hidden, and when, is more than p may see.
func (s *Service) History(ctx context.Context, p *access.Principal, c *Case, page relay.Args) (relay.Page[audit.Record], error) {
	if c.decision.Right < access.Read || !access.CasePart(p, access.PartHistory) {
		return relay.Empty[audit.Record](), nil
	}
	return audit.OfEntity(ctx, s.DB, "case", c.ID, hiddenChanges(c.decision), page)
}

// fieldModeChange prefixes the target of a mode override (setCaseFieldMode) in the history.
const fieldModeChange = "fieldMode:"

// hiddenChanges names, as the history records them, the changes d hides from its principal: a
// hidden field's value and mode override, and a hidden section's mode override.
func hiddenChanges(d *access.CaseDecision) []string {
	fields, sections := d.HiddenFields()
	out := make([]string, 0, 2*len(fields)+len(sections))
	for _, f := range fields {
		out = append(out, f, fieldModeChange+f)
	}
	for _, s := range sections {
		out = append(out, fieldModeChange+s)
	}
	return out
}
