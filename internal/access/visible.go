package access

import (
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// CaseScope is what the case predicate needs besides the principal, from the procedures' compiled
// settings: the procedures listed, those whose past assignees keep READ, and those the principal
// reads through a procedure grant (grantProcedureAccess).
type CaseScope struct {
	Procedures []string
	KeepAccess []string
	Granted    []string
}

// VisibleCases is the SQL form of the case rules: a bun query modifier restricting a
// query on cases (alias c) to those the principal may read. It encodes exactly RightsOn's READ
// rules; TestEngineAndSQLAgree in internal/cases checks the two against each other on a real
// database.
//
// The rules that name their cases (creator, tasks, ACL entries, participants, exact positions,
// client grants) form one candidate set, c.id IN (… UNION ALL …): alone, PostgreSQL turns it into
// a semi-join and, from the set's estimated size, either walks it (a few thousand cases: one index
// probe each) or walks the list index in order. The broad rules (procedure grants, position
// subtrees, the client-data group) are plain predicates OR-ed to it, only when the principal holds
// them: they match densely, so the ordered walk stops early.
func VisibleCases(p *Principal, scope CaseScope) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		switch {
		case p == nil:
			return q.Where("false")
		case p.Kind == KindSystem, p.Kind == KindInternal && p.HasPermission(PermAdmin):
			return q
		case p.Kind == KindInternal:
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return internalVisible(q, p, scope) })
		case p.Kind == KindExternal:
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return externalVisible(q, p) })
		case p.Kind == KindTemporary:
			return temporaryVisible(q, p)
		}
		return q.Where("false") // unknown means deny
	}
}

// temporaryVisible is temporaryRights as SQL: the grant's one case, at one of its stages, while
// the window holds.
func temporaryVisible(q *bun.SelectQuery, p *Principal) *bun.SelectQuery {
	t := p.Temporary
	if !t.OpenAt(p.At) {
		return q.Where("false")
	}
	return q.Where("c.id = ? AND c.stage = ANY(?::text[])", t.CaseID, pgArray(nonNilStrings(t.Stages)))
}

// union collects the candidate sub-selects of a predicate, each returning ids.
type union struct {
	parts []string
	args  []any
}

func (u *union) add(sql string, args ...any) {
	u.parts = append(u.parts, sql)
	u.args = append(u.args, args...)
}

func (u *union) sql() string { return strings.Join(u.parts, "\n\t\tUNION ALL ") }

func internalVisible(q *bun.SelectQuery, p *Principal, scope CaseScope) *bun.SelectQuery {
	groups := nonNilStrings(p.Groups)
	var u union
	u.add("SELECT k.id FROM cases k WHERE k.creator_id = ?", p.UserID)
	u.add("SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND t.active", p.UserID)
	// Past tasks count only where the procedure keeps access.
	switch {
	case containsAll(scope.KeepAccess, scope.Procedures):
		u.add("SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND NOT t.active", p.UserID)
	case len(scope.KeepAccess) > 0:
		u.add("SELECT t.case_id FROM case_tasks t JOIN cases k ON k.id = t.case_id WHERE t.user_id = ? AND NOT t.active AND k.procedure IN (?)",
			p.UserID, bun.In(scope.KeepAccess))
	}
	u.add("SELECT a.case_id FROM case_acl a WHERE a.user_id = ?", p.UserID)
	if len(groups) > 0 {
		u.add("SELECT a.case_id FROM case_acl a WHERE a.group_id = ANY(?::uuid[])", pgArray(groups))
	}
	u.add("SELECT cp.case_id FROM case_participants cp WHERE cp.user_id = ?", p.UserID)
	exact, prefixes := positionRights(p)
	if len(exact) > 0 {
		u.add("SELECT k.id FROM cases k WHERE k.position_id = ANY(?::uuid[])", pgArray(exact))
	}
	member := p.InGroup(ClientDataGroupID)
	if !member && len(p.ClientGrants) > 0 {
		u.add("SELECT k.id FROM cases k WHERE k.client_id = ANY(?::uuid[])", pgArray(p.ClientGrants))
	}
	q = q.WhereOr("c.id IN ("+u.sql()+")", u.args...)
	if len(scope.Granted) > 0 {
		q = q.WhereOr("c.procedure IN (?)", bun.In(scope.Granted))
	}
	if len(prefixes) > 0 {
		q = q.WhereOr("c.position_id IN ("+subtreePositions+")", pgArray(prefixes))
	}
	if member {
		q = q.WhereOr("c.client_id IS NOT NULL")
	}
	return q
}

// positionRights splits the principal's position rights into the positions themselves and the
// path prefixes of the subtrees it holds.
func positionRights(p *Principal) (exact, prefixes []string) {
	for _, r := range p.PositionRights {
		exact = append(exact, r.PositionID)
		if r.IncludeSubtree {
			prefixes = append(prefixes, r.Path+"%")
		}
	}
	return exact, prefixes
}

func containsAll(set, of []string) bool {
	for _, x := range of {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
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
	if p.CompanyCases && p.CompanyID != "" {
		q = q.WhereOr("c.client_id = ?", p.CompanyID)
	}
	return q
}

// VisibleDocuments is the SQL form of the document rules for a query on documents
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
		case p.Kind == KindExternal && p.ContactID != "":
			// The guest's one rule: a case ACL entry naming its contact with allDocuments.
			return q.Where(`NOT d.confidential AND d.case_id IN (SELECT ca.case_id FROM case_acl ca
				WHERE ca.contact_id = ? AND ca.all_documents AND ca.level >= 1)`, p.ContactID)
		}
		return q.Where("false")
	}
}

// subtreePositions are the positions under any of the path prefixes in its one argument (an array):
// the subtrees of a principal's position rights with include_subtree.
const subtreePositions = `SELECT pos.id FROM positions pos WHERE pos.path LIKE ANY(?::text[])`

// allDocumentsCases are the cases whose ACL lets a user (the first argument) or one of its groups
// (the second, an array) read all their documents. The two halves are separate so that each is read
// from its own index alone (case_acl_user_docs_idx, case_acl_group_docs_idx); an OR of them is a
// bitmap scan that visits the table for every entry.
const allDocumentsCases = `SELECT ca.case_id FROM case_acl ca WHERE ca.all_documents AND ca.user_id = ? AND ca.level >= 1
		UNION ALL SELECT ca.case_id FROM case_acl ca WHERE ca.all_documents AND ca.group_id = ANY(?::uuid[]) AND ca.level >= 1`

// internalDocuments is the six rules as one exact candidate set, d.id IN (…), which PostgreSQL
// turns into a semi-join sized from its parts (see VisibleCases): the documents the user's own
// entry opens, and — unless the user's own entry (any level) names them — those its authorship,
// group entries and active tasks open, and the non-confidential ones of cases it holds with
// allDocuments, of its exact positions and of its granted clients. The broad rules (position
// subtrees, the client-data group) are OR-ed as predicates only when the principal holds them.
func internalDocuments(q *bun.SelectQuery, p *Principal) *bun.SelectQuery {
	groups := nonNilStrings(p.Groups)
	var open union
	open.add("SELECT e.id FROM documents e WHERE e.author_id = ?", p.UserID)
	if len(groups) > 0 {
		open.add("SELECT a.document_id FROM document_acl a WHERE a.group_id = ANY(?::uuid[]) AND a.level >= 1", pgArray(groups))
	}
	open.add("SELECT t.document_id FROM document_tasks t WHERE t.user_id = ? AND t.active", p.UserID)
	open.add(`SELECT e.id FROM documents e WHERE NOT e.confidential AND e.case_id IN (`+allDocumentsCases+`)`, p.UserID, pgArray(groups))
	exact, prefixes := positionRights(p)
	if len(exact) > 0 {
		open.add("SELECT e.id FROM documents e WHERE e.position_id = ANY(?::uuid[]) AND NOT e.confidential", pgArray(exact))
	}
	member := p.InGroup(ClientDataGroupID)
	if !member && len(p.ClientGrants) > 0 {
		open.add("SELECT e.id FROM documents e WHERE e.client_id = ANY(?::uuid[]) AND NOT e.confidential", pgArray(p.ClientGrants))
	}
	// The user's own entry decides alone: it opens (level ≥ 1) or denies (level 0).
	args := append([]any{p.UserID}, open.args...)
	args = append(args, p.UserID)
	q = q.WhereOr(`d.id IN (SELECT a.document_id FROM document_acl a WHERE a.user_id = ? AND a.level >= 1
		UNION ALL SELECT o.id FROM (`+open.sql()+`) o
		WHERE o.id NOT IN (SELECT x.document_id FROM document_acl x WHERE x.user_id = ?))`, args...)
	if len(prefixes) == 0 && !member {
		return q
	}
	broad := []any{p.UserID}
	if len(prefixes) > 0 {
		broad = append(broad, pgArray(prefixes))
	}
	return q.WhereOr("NOT d.confidential AND NOT EXISTS (SELECT 1 FROM document_acl x WHERE x.document_id = d.id AND x.user_id = ?) AND "+
		broadDocumentRules(len(prefixes) > 0, member), broad...)
}

// broadDocumentRules is the SQL of the position-subtree and client-data rules on documents (d);
// its one argument is the array of subtree path prefixes.
func broadDocumentRules(subtrees, member bool) string {
	var parts []string
	if subtrees {
		parts = append(parts, "d.position_id IN ("+subtreePositions+")")
	}
	if member {
		parts = append(parts, "d.client_id IS NOT NULL")
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// GrantRight is the best right the procedure grants give p (the PROCEDURE rule), for CaseScope.
func GrantRight(p *Principal, grants []Grant) Right { return grantRight(p, grants) }
