package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// aliased repeats one root field n times under aliases, each with the given selection.
func aliased(field string, n int, selection string) string {
	var b strings.Builder
	b.WriteString("query($id: ID!) {")
	for i := range n {
		fmt.Fprintf(&b, " f%d: %s(id: $id) %s", i, field, selection)
	}
	b.WriteString(" }")
	return b.String()
}

// aliasedDoc repeats field n times under aliases after head (which opens the operation).
func aliasedDoc(head, field string, n int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		fmt.Fprintf(&b, " f%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

// Root fields that load one object by id cost a load each in the complexity limit, so a document
// that asks for a thousand cases by id is refused before any resolver runs, like any other
// document over the limit; a client that asks for a few cases is not.
func TestRootFieldsThatLoadAnObjectArePriced(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	caseID := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan Kowalski"}})
	for _, field := range []string{"case", "salaryChange", "document", "user", "group", "position"} {
		t.Run(field, func(t *testing.T) {
			r := c.creator.Do(aliased(field, 1100, "{ id }"), map[string]any{"id": caseID})
			if string(r.Data) != "null" && len(r.Data) != 0 {
				t.Fatalf("the document ran (%d errors): %.200s", len(r.Errors), r.Data)
			}
			if e := r.MustFail(t, "BAD_USER_INPUT"); e.Extensions["limit"] != "COMPLEXITY" {
				t.Fatalf("limit = %v (%s)", e.Extensions["limit"], e.Message)
			}
		})
	}
	// Writes, and loads by an id that is nullable or inside an input, cost a load too.
	for _, doc := range []string{
		aliasedDoc("mutation($id: ID) {", `addComment(caseId: $id, text: "x") { id }`, 300),
		aliasedDoc("mutation {", `createServiceRequest(input: {}) { id }`, 300),
		aliasedDoc("query($id: ID) {", `documents(filter: {caseId: $id}, first: 1) { edges { node { id } } }`, 300),
	} {
		r := c.creator.Do(doc, map[string]any{"id": caseID})
		if e := r.MustFail(t, "BAD_USER_INPUT"); e.Extensions["limit"] != "COMPLEXITY" {
			t.Fatalf("limit = %v (%s)", e.Extensions["limit"], e.Message)
		}
	}
	if n := s.Count(`SELECT count(*) FROM comments WHERE case_id = ?`, caseID); n != 0 {
		t.Fatalf("%d comments written by a refused document", n)
	}
	// A normal document: a few cases by id with their forms, beside a page of cases.
	normal := aliased("case", 5, "{ id title stage comments(first: 10) { edges { node { id text } } } }")
	normal = strings.TrimSuffix(normal, " }") + ` s: salaryChange(id: $id) { id } list: cases(first: 20) { edges { node { id title } } } }`
	c.creator.Do(normal, map[string]any{"id": caseID}).MustOK(t)
}

// The limits remember a document's cost, but not where a variable sets a page's size: the same
// document is refused when its variables ask for too much and runs when they do not, in any
// order, directly, through a fragment or an inline fragment; a variable that prices nothing (the
// id of a load) does not keep the cost from being remembered.
func TestComplexityFollowsVariables(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxComplexity = 300 })
	admin := s.Admin()
	const node = `edges { node { id email groups { id name } } }`
	for name, doc := range map[string]string{
		"direct":          `query($n: Int) { users(first: $n) { ` + node + ` } }`,
		"fragment":        `query($n: Int) { ...F } fragment F on Query { users(first: $n) { ` + node + ` } }`,
		"inline fragment": `query($n: Int) { ... on Query { users(first: $n) { ` + node + ` } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{2, 200, 2, 200} {
				r := admin.Do(doc, map[string]any{"n": n})
				if n == 2 {
					r.MustOK(t)
					continue
				}
				if e := r.MustFail(t, "BAD_USER_INPUT"); e.Extensions["limit"] != "COMPLEXITY" {
					t.Fatalf("first: %d: limit = %v (%s)", n, e.Extensions["limit"], e.Message)
				}
			}
		})
	}
	// The id prices nothing: a load costs the same whatever it names, and twice a document over
	// the limit is refused twice.
	me := admin.Do(`{ me { user { id } } }`, nil)
	var who struct {
		Me struct{ User struct{ ID string } }
	}
	me.MustOK(t).Decode(t, &who)
	over := aliased("user", 3, "{ id }")
	for range 2 {
		if e := admin.Do(over, map[string]any{"id": who.Me.User.ID}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["limit"] != "COMPLEXITY" {
			t.Fatalf("limit = %v (%s)", e.Extensions["limit"], e.Message)
		}
	}
	under := aliased("user", 2, "{ id }")
	for range 2 {
		admin.Do(under, map[string]any{"id": who.Me.User.ID}).MustOK(t)
	}
}
