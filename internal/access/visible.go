package access

import (
	"github.com/uptrace/bun"
)

// VisibleCases is the SQL form of the case rules (SPEC §5): a bun query modifier restricting a
// query on cases (alias c) to those the principal may read. It encodes exactly RightsOn's READ
// rules; TestEngineAndSQLAgree in internal/cases checks the two against each other on a real
// database. keepAccess lists the procedures whose past assignees keep READ.
func VisibleCases(p *Principal, keepAccess []string) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		switch {
		case p == nil:
			return q.Where("false")
		case p.Kind == KindSystem, p.Kind == KindInternal && p.HasPermission(PermAdmin):
			return q
		case p.Kind == KindInternal:
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return internalVisible(q, p, keepAccess) })
		case p.Kind == KindExternal:
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return externalVisible(q, p) })
		}
		return q.Where("false") // unknown means deny; temporary grants add their rule with their issue
	}
}

func internalVisible(q *bun.SelectQuery, p *Principal, keepAccess []string) *bun.SelectQuery {
	groups := p.Groups
	if groups == nil {
		groups = []string{}
	}
	q = q.WhereOr("c.creator_id = ?", p.UserID).
		WhereOr("c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND (t.active OR c.procedure IN (?)))",
			p.UserID, bun.In(append([]string{""}, keepAccess...))).
		WhereOr("c.id IN (SELECT a.case_id FROM case_acl a WHERE a.user_id = ? OR a.group_id = ANY(?::uuid[]))", p.UserID, pgArray(groups)).
		WhereOr("c.procedure IN (SELECT g.procedure FROM procedure_grants g WHERE g.user_id = ? OR g.group_id = ANY(?::uuid[]))", p.UserID, pgArray(groups)).
		WhereOr("c.id IN (SELECT cp.case_id FROM case_participants cp WHERE cp.user_id = ?)", p.UserID)
	if len(p.PositionRights) > 0 {
		var exact, prefixes []string
		for _, r := range p.PositionRights {
			exact = append(exact, r.PositionID)
			if r.IncludeSubtree {
				prefixes = append(prefixes, r.Path+"%")
			}
		}
		q = q.WhereOr("c.position_id = ANY(?::uuid[])", pgArray(exact))
		if len(prefixes) > 0 {
			q = q.WhereOr("c.position_id IN (SELECT pos.id FROM positions pos WHERE pos.path LIKE ANY(?::text[]))", pgArray(prefixes))
		}
	}
	if p.InGroup(ClientDataGroupID) {
		q = q.WhereOr("c.client_id IS NOT NULL")
	} else if len(p.ClientGrants) > 0 {
		q = q.WhereOr("c.client_id = ANY(?::uuid[])", pgArray(p.ClientGrants))
	}
	return q
}

func externalVisible(q *bun.SelectQuery, p *Principal) *bun.SelectQuery {
	q = q.Where("false")
	if p.UserID != "" {
		q = q.WhereOr("c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND t.active)", p.UserID)
	}
	if p.ContactID != "" {
		q = q.WhereOr("c.id IN (SELECT a.case_id FROM case_acl a WHERE a.contact_id = ?)", p.ContactID).
			WhereOr("c.id IN (SELECT cp.case_id FROM case_participants cp WHERE cp.contact_id = ?)", p.ContactID)
	}
	return q
}
