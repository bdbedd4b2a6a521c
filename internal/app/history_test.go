package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

type historyEvent struct {
	Action        string
	ChangedFields []string
}

// historyPages reads a case's whole history as c sees it, first events a page, and returns the
// events and the pages.
func historyPages(t *testing.T, c *gqltest.Client, id string, first int) (events []historyEvent, pages [][]historyEvent) {
	t.Helper()
	var after *string
	for {
		var out struct {
			Case struct {
				History struct {
					Edges    []struct{ Node historyEvent }
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
		c.Do(`query($id: ID!, $first: Int, $after: String) { case(id: $id) { history(first: $first, after: $after) {
			edges { node { action changedFields } } pageInfo { hasNextPage endCursor } } } }`,
			map[string]any{"id": id, "first": first, "after": after}).MustOK(t).Decode(t, &out)
		h := out.Case.History
		var page []historyEvent
		for _, e := range h.Edges {
			page = append(page, e.Node)
		}
		events, pages = append(events, page...), append(pages, page)
		if !h.PageInfo.HasNextPage {
			return events, pages
		}
		if len(page) == 0 || len(pages) > 50 {
			t.Fatalf("history pages: %v then hasNextPage with %d events", pages, len(page))
		}
		after = h.PageInfo.EndCursor
	}
}

// TestHistoryShowsOnlyReadableChanges: a reader sees, of each event, only the changes of fields it
// may read, and no event at all where it may read none of them (not even who changed something
// hidden, and when); pages stay full and end where the reader's events end.
func TestHistoryShowsOnlyReadableChanges(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	// The seed's example: Kadry see the requested salary, Dyrektorzy set it, the villain does not see it.
	c.admin.Do(`mutation($v: [PrincipalRefInput!], $m: [PrincipalRefInput!]) {
		setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary", input: {visibleOnlyFor: $v, modifyOnlyFor: $m}) { path } }`,
		map[string]any{"v": []map[string]any{{"groupId": c.groups["Kadry"]}}, "m": []map[string]any{{"groupId": c.groups["Dyrektorzy"]}}}).MustOK(t)
	c.admin.Do(`mutation($u: ID) { grantProcedureAccess(procedure: "salary-change", principal: {userId: $u}, right: MANAGE) { key } }`,
		map[string]any{"u": c.users["dyrektor"]}).MustOK(t)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan Kowalski"}}, "creator", "kadry", "dyrektor", "villain")

	upd := `mutation($id: ID!, $in: SalaryChangeInput!) { updateSalaryChange(id: $id, input: $in) { id } }`
	salary := func(v string) map[string]any {
		return map[string]any{"id": id, "in": map[string]any{"compensation": map[string]any{"requestedSalary": v}}}
	}
	fieldMode := `mutation($id: ID!, $m: FieldMode) { setCaseFieldMode(caseId: $id, field: "compensation.requestedSalary", mode: $m) { id } }`
	c.dyrektor.Do(upd, salary("9000.00")).MustOK(t)
	c.dyrektor.Do(upd, map[string]any{"id": id, "in": map[string]any{"employee": map[string]any{"department": "IT"},
		"compensation": map[string]any{"requestedSalary": "9100.00"}}}).MustOK(t)
	c.dyrektor.Do(upd, salary("9200.00")).MustOK(t)
	c.dyrektor.Do(fieldMode, map[string]any{"id": id, "m": "READ_ONLY"}).MustOK(t) // the lists still hide it from the villain
	c.dyrektor.Do(fieldMode, map[string]any{"id": id, "m": nil}).MustOK(t)
	c.dyrektor.Do(upd, salary("9300.00")).MustOK(t)

	all, _ := historyPages(t, c.kadry, id, 50)
	if len(all) != 7 || all[0].Action != "case.update" || !slices.Equal(all[0].ChangedFields, []string{"compensation.requestedSalary"}) ||
		!slices.Contains(all[4].ChangedFields, "compensation.requestedSalary") {
		t.Fatalf("kadry, who reads every field, sees %+v", all)
	}

	want := []historyEvent{
		{"case.update", []string{"employee.department"}},
		{"case.create", []string{"stage", "assignees", "employee.employeeName"}},
	}
	for _, first := range []int{1, 2, 50} {
		events, pages := historyPages(t, c.villain, id, first)
		if !slices.EqualFunc(events, want, func(a, b historyEvent) bool {
			return a.Action == b.Action && slices.Equal(a.ChangedFields, b.ChangedFields)
		}) {
			t.Fatalf("the villain (first: %d) sees %+v, want %+v", first, events, want)
		}
		for i, p := range pages {
			if len(p) != min(first, len(want)-i*first) {
				t.Fatalf("the villain's pages of %d: %+v", first, pages)
			}
		}
		for _, e := range events {
			for _, f := range e.ChangedFields {
				if strings.Contains(f, "requestedSalary") {
					t.Fatalf("the villain sees a hidden field in %+v", e)
				}
			}
		}
	}
}
