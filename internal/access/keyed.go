package access

import (
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// ListKey is a row's place in the case and document lists, newest first: its created_at, then its
// id (relay.TimeID has the same shape, so a cursor converts to it).
type ListKey struct {
	At time.Time
	ID string
}

// The keyed form of the list predicates. VisibleCases and VisibleDocuments say which rows p may
// read; the list then finds its page among them, and for a principal whose rules name a few
// thousand rows (an employee: its groups' ACL entries, its tasks, its own cases) PostgreSQL must
// fetch every candidate's created_at from cases or documents to order them, one random probe each.
// The keyed form reads each rule as an index stream of (created_at, id) from the copies of the
// parent's created_at kept beside the rules' rows (migration rule_sort_keys), each stream starting
// after the cursor, and only the page's rows are looked up. The cases list uses it only for
// principals without broad rules: those match densely, and walking the list index in order
// (VisibleCases) stops early. The documents list reads a broad rule as one more stream that walks
// the list's order itself (KeyedDocuments).

// KeyedCases is the case rules of VisibleCases as a sub-select of (at, id), de-duplicated and in the
// list's order, of the
// cases p may read that come after `after` in the list (every one when nil). It is false when p is
// not an internal user or holds a broad rule (ADMIN, a procedure grant, a position subtree, the
// client-data group); the caller then keeps VisibleCases. The streams are not limited: the caller
// joins the keys to cases, filters them (the listed procedures at least), then orders by (at, id)
// and limits, and a limit before that filter could cut rows the page needs.
func KeyedCases(p *Principal, scope CaseScope, after *ListKey) (schema.QueryWithArgs, bool) {
	if p == nil || p.Kind != KindInternal || p.HasPermission(PermAdmin) || len(scope.Granted) > 0 || broadDocumentPrincipal(p) {
		return schema.QueryWithArgs{}, false
	}
	s := streams{after: after}
	s.add(stream{from: "cases k", at: "k.created_at", id: "k.id", where: "k.creator_id = ?", args: []any{p.UserID}})
	tasks := stream{from: "case_tasks t", at: "t.case_created_at", id: "t.case_id"}
	switch {
	case containsAll(scope.KeepAccess, scope.Procedures):
		s.add(tasks.with("t.user_id = ?", p.UserID))
	case len(scope.KeepAccess) > 0:
		s.add(tasks.with("t.user_id = ? AND t.active", p.UserID))
		past := tasks.with("t.user_id = ? AND NOT t.active AND k.procedure IN (?)", p.UserID, bun.In(scope.KeepAccess))
		past.from = "case_tasks t JOIN cases k ON k.id = t.case_id"
		s.add(past)
	default:
		s.add(tasks.with("t.user_id = ? AND t.active", p.UserID))
	}
	acl := stream{from: "case_acl a", at: "a.case_created_at", id: "a.case_id"}
	s.add(acl.with("a.user_id = ?", p.UserID))
	for _, g := range p.Groups {
		s.add(acl.with("a.group_id = ?", g)) // one stream per group: an index scan with = ANY is not ordered
	}
	s.add(stream{from: "case_participants cp", at: "cp.case_created_at", id: "cp.case_id", where: "cp.user_id = ?", args: []any{p.UserID}})
	byCase := stream{from: "cases k", at: "k.created_at", id: "k.id"}
	exact, _ := positionRights(p)
	for _, pos := range exact {
		s.add(byCase.with("k.position_id = ?", pos))
	}
	for _, cl := range p.ClientGrants {
		s.add(byCase.with("k.client_id = ?", cl))
	}
	sql, args := s.union(0)
	return bun.SafeQuery(sql, args...), true
}

// KeyedDocuments is the document rules of VisibleDocuments as a sub-select of (at, id) of the first
// limit documents p may read after `after` in the list, in the list's order. Each stream stops at
// limit rows and the union is cut to limit, before any document is read: exact only when no
// filter on documents follows, so a filtered list keeps VisibleDocuments. A broad rule (a position
// subtree, the client-data group) is one more stream, which reads the documents in the list's order
// and keeps those the rule covers. It is false when p is not an internal user.
func KeyedDocuments(p *Principal, after *ListKey, limit int) (schema.QueryWithArgs, bool) {
	if p == nil || p.Kind != KindInternal {
		return schema.QueryWithArgs{}, false
	}
	s := streams{after: after}
	// The user's own entry decides alone: it opens (level ≥ 1) or denies (level 0), so every other
	// rule's stream leaves out the documents it names, before the stream's limit.
	s.add(stream{from: "document_acl a", at: "a.document_created_at", id: "a.document_id", where: "a.user_id = ? AND a.level >= 1", args: []any{p.UserID}})
	open := func(st stream) {
		st.where += " AND " + st.id + " NOT IN (SELECT x.document_id FROM document_acl x WHERE x.user_id = ?)"
		st.args = append(st.args, p.UserID)
		s.add(st)
	}
	doc := stream{from: "documents e", at: "e.created_at", id: "e.id"}
	open(doc.with("e.author_id = ?", p.UserID))
	for _, g := range p.Groups {
		open(stream{from: "document_acl a", at: "a.document_created_at", id: "a.document_id", where: "a.group_id = ? AND a.level >= 1", args: []any{g}})
	}
	open(stream{from: "document_tasks t", at: "t.document_created_at", id: "t.document_id", where: "t.user_id = ? AND t.active",
		args: []any{p.UserID}, distinct: true})
	open(doc.with(`NOT e.confidential AND e.case_id IN (`+allDocumentsCases+`)`, p.UserID, pgArray(nonNilStrings(p.Groups))))
	exact, _ := positionRights(p)
	for _, pos := range exact {
		open(doc.with("e.position_id = ? AND NOT e.confidential", pos))
	}
	// The client-data group covers every client's documents, so its one stream stands for the
	// client grants' (as in VisibleDocuments).
	if p.InGroup(ClientDataGroupID) {
		open(doc.with("NOT e.confidential AND e.client_id IS NOT NULL"))
	} else {
		for _, cl := range p.ClientGrants {
			open(doc.with("e.client_id = ? AND NOT e.confidential", cl))
		}
	}
	if _, prefixes := positionRights(p); len(prefixes) > 0 {
		open(doc.with("NOT e.confidential AND e.position_id IN ("+subtreePositions+")", pgArray(prefixes)))
	}
	sql, args := s.union(limit)
	return bun.SafeQuery(sql, args...), true
}

// broadDocumentPrincipal is whether p holds a broad rule shared by cases and documents: a position
// subtree or the client-data group.
func broadDocumentPrincipal(p *Principal) bool {
	_, prefixes := positionRights(p)
	return len(prefixes) > 0 || p.InGroup(ClientDataGroupID)
}

// stream is one rule as keys: the rows of from matching where, each giving (at, id).
type stream struct {
	from, at, id, where string
	args                []any
	// distinct: the rule may name a row twice (two tasks of one user on one case).
	distinct bool
}

func (st stream) with(where string, args ...any) stream {
	st.where, st.args = where, args
	return st
}

type streams struct {
	after *ListKey
	parts []string
	args  []any
}

func (s *streams) add(st stream) {
	where, args := st.where, st.args
	if s.after != nil {
		where += fmt.Sprintf(" AND (%s, %s) < (?::timestamptz, ?::uuid)", st.at, st.id)
		args = append(args, s.after.At, s.after.ID)
	}
	distinct := ""
	if st.distinct {
		distinct = "DISTINCT "
	}
	s.parts = append(s.parts, fmt.Sprintf("SELECT %s%s AS at, %s AS id FROM %s WHERE %s", distinct, st.at, st.id, st.from, where))
	s.args = append(s.args, args...)
}

// union de-duplicates the streams and orders them; with a limit, each stream and the union are cut
// to it (the first limit keys of the union are among the first limit of each stream).
func (s *streams) union(limit int) (string, []any) {
	if limit <= 0 {
		// Ordered here, so that PostgreSQL keeps the sub-select whole and the caller's join to the
		// parent reads it in order and stops at the caller's limit (else it joins every key first).
		return "SELECT u.at, u.id FROM (" + strings.Join(s.parts, "\n\tUNION ") + ") u ORDER BY u.at DESC, u.id DESC", s.args
	}
	order := fmt.Sprintf(" ORDER BY at DESC, id DESC LIMIT %d", limit)
	parts := make([]string, len(s.parts))
	for i, p := range s.parts {
		parts[i] = "(" + p + order + ")"
	}
	return "SELECT u.at, u.id FROM (" + strings.Join(parts, "\n\tUNION ") + ") u" + order, s.args
}
