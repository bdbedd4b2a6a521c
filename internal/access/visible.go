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
	groups := nonNilStrings(p.Groups)
	q = q.WhereOr("c.creator_id = ?", p.UserID).
		WhereOr("c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND t.active)", p.UserID).
		// Past tasks count only where the procedure keeps access; kept apart so neither sub-select
		// refers to the outer row and each runs once per query, not once per case.
		WhereOr("c.procedure IN (?) AND c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.user_id = ?)",
			bun.In(append([]string{""}, keepAccess...)), p.UserID).
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

// VisibleDocuments is the SQL form of the document rules (SPEC §6) for a query on documents
// (alias d): exactly DocumentRightsOn's READ, checked against it by TestDocumentEngineAndSQLAgree.
func VisibleDocuments(p *Principal) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		switch {
		case p == nil:
			return q.Where("false")
		case p.Kind == KindSystem:
			return q
		case p.Kind == KindInternal:
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return internalDocuments(q, p) })
		}
		return q.Where("false")
	}
}

func internalDocuments(q *bun.SelectQuery, p *Principal) *bun.SelectQuery {
	groups := pgArray(nonNilStrings(p.Groups))
	// The user's own entry decides alone: it opens (level ≥ 1) or denies (level 0).
	q = q.WhereOr("d.id IN (SELECT a.document_id FROM document_acl a WHERE a.user_id = ? AND a.level >= 1)", p.UserID)
	return q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("NOT EXISTS (SELECT 1 FROM document_acl x WHERE x.document_id = d.id AND x.user_id = ?)", p.UserID)
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.WhereOr("d.author_id = ?", p.UserID).
				WhereOr("d.id IN (SELECT a.document_id FROM document_acl a WHERE a.group_id = ANY(?::uuid[]) AND a.level >= 1)", groups).
				WhereOr("d.id IN (SELECT t.document_id FROM document_tasks t WHERE t.user_id = ? AND t.active)", p.UserID)
			return q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("NOT d.confidential").WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
					return openDocumentRules(q, p, groups)
				})
			})
		})
	})
}

// openDocumentRules are the rules a confidential document ignores: position, case, client data.
func openDocumentRules(q *bun.SelectQuery, p *Principal, groups any) *bun.SelectQuery {
	q = q.Where("false")
	if len(p.PositionRights) > 0 {
		var exact, prefixes []string
		for _, r := range p.PositionRights {
			exact = append(exact, r.PositionID)
			if r.IncludeSubtree {
				prefixes = append(prefixes, r.Path+"%")
			}
		}
		q = q.WhereOr("d.position_id = ANY(?::uuid[])", pgArray(exact))
		if len(prefixes) > 0 {
			q = q.WhereOr("d.position_id IN (SELECT pos.id FROM positions pos WHERE pos.path LIKE ANY(?::text[]))", pgArray(prefixes))
		}
	}
	q = q.WhereOr(`d.case_id IN (SELECT ca.case_id FROM case_acl ca
		WHERE ca.all_documents AND ca.level >= 1 AND (ca.user_id = ? OR ca.group_id = ANY(?::uuid[])))`, p.UserID, groups)
	if p.InGroup(ClientDataGroupID) {
		q = q.WhereOr("d.client_id IS NOT NULL")
	} else if len(p.ClientGrants) > 0 {
		q = q.WhereOr("d.client_id = ANY(?::uuid[])", pgArray(p.ClientGrants))
	}
	return q
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
