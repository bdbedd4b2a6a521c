package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// TestLosingReadByOwnWrite: a caller who removes its own access gets the case back as it now is
// for it: no rights, every field hidden, no ACL.
func TestLosingReadByOwnWrite(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan"}})
	c.admin.Do(`mutation($id: ID!, $u: ID) { setCaseAcl(caseId: $id, entries: [{userId: $u, rights: [MANAGE]}]) { id } }`,
		map[string]any{"id": id, "u": c.users["zarzad"]}).MustOK(t)
	var out struct {
		SetCaseAcl struct {
			ACL    []any
			Access struct {
				Rights []string
				Fields []struct{ Field, Mode string }
			}
		}
	}
	c.zarzad.Do(`mutation($id: ID!) { setCaseAcl(caseId: $id, entries: []) { acl { rights } access { rights fields { field mode } } } }`,
		map[string]any{"id": id}).MustOK(t).Decode(t, &out)
	if len(out.SetCaseAcl.ACL) != 0 || len(out.SetCaseAcl.Access.Rights) != 0 || out.SetCaseAcl.Access.Fields[0].Mode != "HIDDEN" {
		t.Fatalf("after shutting itself out: %+v", out.SetCaseAcl)
	}
	c.zarzad.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": id}).MustFail(t, "NOT_FOUND")
}

func TestTargetsAreCheckedBeforeWriting(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	before := s.Count(`SELECT count(*) FROM procedure_settings`)
	for _, q := range []string{
		`mutation { setFieldAccess(procedure: "service-request", field: "request", input: {external: HIDDEN}) { path } }`,
		`mutation { setSectionAccess(procedure: "service-request", section: "internal.estimate", input: {internal: HIDDEN}) { key } }`,
		`mutation { setSectionAccess(procedure: "service-request", section: "internal.", input: {internal: HIDDEN}) { key } }`,
		`mutation { setSectionAccess(procedure: "service-request", section: "request", input: {stageExceptions: [{stage: "NEW", internal: HIDDEN}, {stage: "NEW", internal: READ_ONLY}]}) { key } }`,
		`mutation { setSectionAccess(procedure: "service-request", section: "request", input: {stageExceptions: [{stage: "NEW"}]}) { key } }`,
		`mutation { resetFieldAccess(procedure: "service-request", field: "request") { path } }`,
	} {
		c.admin.Do(q, nil).MustFail(t, "BAD_USER_INPUT")
	}
	if after := s.Count(`SELECT count(*) FROM procedure_settings`); after != before {
		t.Fatal("a refused setting was stored")
	}
	id := c.createSalaryChange(t, map[string]any{})
	c.admin.Do(`mutation($id: ID!) { setCaseFieldMode(caseId: $id, field: "employee.", mode: HIDDEN) { id } }`, map[string]any{"id": id}).MustFail(t, "BAD_USER_INPUT")
}

func TestTextWithoutNUL(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	c.creator.Do(`mutation($in: SalaryChangeInput!) { createSalaryChange(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"employee": map[string]any{"employeeName": "a\x00b"}}}).MustFail(t, "BAD_USER_INPUT")
	c.creator.Do(`mutation($t: String) { createSalaryChange(input: {}, title: $t) { id } }`, map[string]any{"t": "x\x00"}).MustFail(t, "BAD_USER_INPUT")
	c.creator.Do(`mutation($in: DocumentInput!) { createDocument(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"title": "t", "body": "a\x00"}}).MustFail(t, "BAD_USER_INPUT")
}

func TestEmptyUpdateWritesNothing(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{})
	before := s.Count(`SELECT count(*) FROM audit_log`)
	c.creator.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {}) { id } }`, map[string]any{"id": id}).MustOK(t)
	if s.Count(`SELECT count(*) FROM audit_log`) != before {
		t.Fatal("an empty update was audited")
	}
}

// TestHiddenFieldsUnderAliasesAndFragments: each requested position is reported by its own
// selection, however fragments merge.
func TestHiddenFieldsUnderAliasesAndFragments(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	c.admin.Do(`mutation { setFieldAccess(procedure: "salary-change", field: "compensation.currentSalary", input: {internal: HIDDEN}) { path } }`, nil).MustOK(t)
	id := c.createSalaryChange(t, map[string]any{})
	r := c.creator.Do(`query($id: ID!) {
		b: salaryChange(id: $id) { ...F }
		a: salaryChange(id: $id) { ...F compensation { currentSalary } } }
		fragment F on SalaryChange { compensation { requestedSalary } }`, map[string]any{"id": id}).MustOK(t)
	got := hiddenFields(r)
	if !slices.Equal(got, []string{"a.compensation.currentSalary"}) {
		t.Fatalf("hiddenFields = %v", got)
	}
}

func TestRevokeGrantsAndTaskHistory(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan", "justification": "x"}})
	sees := func() bool { return slices.Contains(allCases(t, c.villain), id) }
	vars := map[string]any{"u": c.users["villain"]}
	c.admin.Do(`mutation($u: ID) { grantProcedureAccess(procedure: "salary-change", principal: {userId: $u}, right: READ) { key } }`, vars).MustOK(t)
	if !sees() {
		t.Fatal("grant did not open the case")
	}
	c.villain.Do(`mutation($u: ID) { revokeProcedureAccess(procedure: "salary-change", principal: {userId: $u}) { key } }`, vars).MustFail(t, "FORBIDDEN")
	c.admin.Do(`mutation($u: ID) { revokeProcedureAccess(procedure: "salary-change", principal: {userId: $u}) { grants { right } } }`, vars).MustOK(t)
	if sees() {
		t.Fatal("revoking the procedure grant did not close the case")
	}
	var company struct{ CreateCompany struct{ ID string } }
	c.admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	cv := map[string]any{"c": company.CreateCompany.ID, "u": c.users["villain"]}
	c.admin.Do(`mutation($c: ID!, $u: ID!) { grantClientAccess(clientId: $c, userId: $u) { clientId } }`, cv).MustOK(t)
	c.admin.Do(`mutation($c: ID!, $u: ID!) { revokeClientAccess(clientId: $c, userId: $u) { clientId } }`, cv).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM client_grants`); n != 0 {
		t.Fatalf("%d client grants left", n)
	}
	// Task history: the creator's task ended at the move, the director's is active.
	s.Clock.Advance(time.Minute)
	c.creator.Do(`mutation($id: ID!, $a: [ID!]) { moveCase(id: $id, toStage: "APPROVAL", assigneeIds: $a) { id } }`,
		map[string]any{"id": id, "a": c.ids("dyrektor")}).MustOK(t)
	var out struct {
		Case struct {
			ProcedureKey string
			Tasks        []struct {
				Stage  string
				Active bool
				User   struct{ Email string }
			}
		}
	}
	c.admin.Do(`query($id: ID!) { case(id: $id) { procedureKey tasks { stage active user { email } } } }`, map[string]any{"id": id}).MustOK(t).Decode(t, &out)
	tk := out.Case.Tasks
	if out.Case.ProcedureKey != "salary-change" || len(tk) != 2 || !tk[0].Active || tk[0].Stage != "APPROVAL" || tk[1].Active || tk[1].User.Email != "creator@casegate.test" {
		t.Fatalf("case = %+v", out.Case)
	}
}

// TestOneCaseLoadPerRequest: asking for a case both generically and through its procedure's query
// reads it once; the procedure's settings and grants are one query.
func TestOneCaseLoadPerRequest(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{})
	count := func(q string) int64 {
		before := s.Queries()
		c.creator.Do(q, map[string]any{"id": id}).MustOK(t)
		return s.Queries() - before
	}
	count(`query($id: ID!) { case(id: $id) { id } }`) // the first request after a settings change compiles them
	one := count(`query($id: ID!) { case(id: $id) { id } }`)
	both := count(`query($id: ID!) { case(id: $id) { id } salaryChange(id: $id) { id employee { employeeName } } }`)
	if both != one {
		t.Fatalf("case alone: %d queries; with the typed query: %d", one, both)
	}
	if one > 2 { // principal, case with its facts (the settings are those compiled at the principal's version)
		t.Fatalf("case(id) costs %d queries", one)
	}
}
