package app_test

import (
	"slices"
	"testing"

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
