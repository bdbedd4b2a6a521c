package app_test

import (
	"slices"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

type caseList struct {
	Edges []struct {
		Node struct {
			ID, Stage string
			Assignees []struct{ Email string }
		}
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   string
	}
}

func (l caseList) ids() []string {
	var out []string
	for _, e := range l.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

func myTasks(t *testing.T, c *gqltest.Client) []string {
	t.Helper()
	var out struct{ MyTasks caseList }
	c.Do(`{ myTasks { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &out)
	return out.MyTasks.ids()
}

func allCases(t *testing.T, c *gqltest.Client) []string {
	t.Helper()
	var out struct{ Cases caseList }
	c.Do(`{ cases(first: 200) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &out)
	return out.Cases.ids()
}

func TestCaseWorkflow(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan"}})
	move := `mutation($id: ID!, $to: String!, $a: [ID!], $sys: Boolean) { moveCase(id: $id, toStage: $to, assigneeIds: $a, toSystemUser: $sys) { stage assignees { email } } }`

	// The creator is the first stage's assignee.
	if got := myTasks(t, c.creator); !slices.Equal(got, []string{id}) {
		t.Fatalf("creator's tasks = %v", got)
	}
	// DRAFT requires a justification: the move fails, naming it, and nothing changes.
	e := c.creator.Do(move, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor")}).MustFail(t, "REQUIRED_FIELDS_MISSING")
	if f := e.Extensions["fields"].([]any); len(f) != 1 || f[0] != "employee.justification" {
		t.Fatalf("missing = %v", f)
	}
	if got := myTasks(t, c.creator); !slices.Equal(got, []string{id}) {
		t.Fatal("a failed move changed the assignees")
	}
	// Someone without WRITE cannot move it; someone without READ does not see it.
	c.villain.Do(move, map[string]any{"id": id, "to": "APPROVAL"}).MustFail(t, "NOT_FOUND")
	c.creator.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {employee: {justification: "Awans"}}) { id } }`, map[string]any{"id": id}).MustOK(t)
	var moved struct {
		MoveCase struct {
			Stage     string
			Assignees []struct{ Email string }
		}
	}
	c.creator.Do(move, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor")}).MustOK(t).Decode(t, &moved)
	if moved.MoveCase.Stage != "APPROVAL" || len(moved.MoveCase.Assignees) != 1 || moved.MoveCase.Assignees[0].Email != "dyrektor@casegate.test" {
		t.Fatalf("moved = %+v", moved)
	}
	// The creator's task ended: it keeps READ as creator and past assignee, but not WRITE.
	if got := myTasks(t, c.creator); len(got) != 0 {
		t.Fatalf("creator still has tasks %v", got)
	}
	m := modes(t, c.creator.Do(`query($id: ID!) { case(id: $id) { access { rights grantedBy fields { field mode } } } }`, map[string]any{"id": id}), "case", "access")
	if m["rights"] != "READ " || m["grantedBy"] != "CREATOR PAST_ASSIGNEE " || m["employee.employeeName"] != "READ_ONLY" {
		t.Fatalf("creator after the move: %v", m)
	}
	c.creator.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {employee: {department: "IT"}}) { id } }`, map[string]any{"id": id}).
		MustFail(t, "FIELD_NOT_WRITABLE")
	c.creator.Do(move, map[string]any{"id": id, "to": "HR"}).MustFail(t, "FORBIDDEN")
	// At APPROVAL the requested salary is REQUIRED for the director.
	c.dyrektor.Do(move, map[string]any{"id": id, "to": "HR"}).MustFail(t, "REQUIRED_FIELDS_MISSING")
	c.dyrektor.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {compensation: {requestedSalary: "9000"}}) { id } }`, map[string]any{"id": id}).MustOK(t)
	// To the system user: the case leaves every to-do list and stays in "all cases".
	c.dyrektor.Do(move, map[string]any{"id": id, "to": "HR", "sys": true}).MustOK(t)
	if got := myTasks(t, c.dyrektor); len(got) != 0 {
		t.Fatalf("director still has tasks %v", got)
	}
	if got := allCases(t, c.admin); !slices.Contains(got, id) {
		t.Fatal("a case assigned to the system user left the admin's list")
	}
	if got := allCases(t, c.dyrektor); !slices.Contains(got, id) {
		t.Fatal("the past assignee lost READ although the procedure keeps access after a task")
	}
	// The last stage has no assignees.
	c.admin.Do(move, map[string]any{"id": id, "to": "DONE", "a": c.ids("kadry")}).MustFail(t, "BAD_USER_INPUT")
	c.admin.Do(move, map[string]any{"id": id, "to": "DONE"}).MustOK(t)
	c.admin.Do(move, map[string]any{"id": id, "to": "NOWHERE"}).MustFail(t, "BAD_USER_INPUT")
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE entity = 'case' AND entity_id = ? AND action = 'case.move'`, id); n != 3 {
		t.Fatalf("%d moves audited, want 3", n)
	}
}

// TestUnreadableCasesDoNotExist: every operation that takes a case id answers NOT_FOUND to someone
// who may not read the case, exactly as for an id that does not exist, and writes nothing.
func TestUnreadableCasesDoNotExist(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{})
	before := s.Count(`SELECT count(*) FROM audit_log`)
	for _, target := range []string{id, "00000000-0000-4000-8000-000000000000", "not-an-id"} {
		vars := map[string]any{"id": target}
		for _, q := range []string{
			`query($id: ID!) { case(id: $id) { id } }`,
			`query($id: ID!) { salaryChange(id: $id) { id } }`,
			`query($id: ID!) { explainFieldAccess(caseId: $id, field: "employee.employeeName") { mode } }`,
			`mutation($id: ID!) { updateSalaryChange(id: $id, input: {employee: {department: "x"}}) { id } }`,
			`mutation($id: ID!) { moveCase(id: $id, toStage: "APPROVAL") { id } }`,
			`mutation($id: ID!) { setCaseFieldMode(caseId: $id, field: "employee", mode: HIDDEN) { id } }`,
			`mutation($id: ID!) { setCaseAcl(caseId: $id, entries: []) { id } }`,
			`mutation($id: ID!, $u: ID) { addCaseParticipant(caseId: $id, userId: $u) { id } }`,
		} {
			vars["u"] = c.users["villain"]
			c.villain.Do(q, vars).MustFail(t, "NOT_FOUND")
		}
	}
	if got := allCases(t, c.villain); len(got) != 0 {
		t.Fatalf("the villain lists %v", got)
	}
	var sc struct{ SalaryChanges caseList }
	c.villain.Do(`{ salaryChanges { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &sc)
	if len(sc.SalaryChanges.Edges) != 0 {
		t.Fatal("the villain lists salary changes")
	}
	// A case of another procedure is not found through this procedure's query.
	c.creator.Do(`query($id: ID!) { serviceRequest(id: $id) { id } }`, map[string]any{"id": id}).MustFail(t, "NOT_FOUND")
	if after := s.Count(`SELECT count(*) FROM audit_log`); after != before {
		t.Fatalf("refused operations wrote %d audit records", after-before)
	}
}
