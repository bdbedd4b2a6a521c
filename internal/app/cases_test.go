package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

const readSalary = `query($id: ID!) { salaryChange(id: $id) {
	employee { employeeName }
	compensation { currentSalary requestedSalary }
	case { access { rights grantedBy fields { field mode } } } } }`

// TestSalaryExample is the seed's worked example end to end: "requested salary" visible only for
// Kadry and Zarząd, modified only by Dyrektorzy; everyone else sees nothing of it.
func TestSalaryExample(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	c.admin.Do(`mutation($v: [PrincipalRefInput!], $m: [PrincipalRefInput!]) {
		setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary", input: {visibleOnlyFor: $v, modifyOnlyFor: $m}) {
			path access { overridden visibleOnlyFor { group { name } } modifyOnlyFor { group { name } } } } }`,
		map[string]any{"v": []map[string]any{{"groupId": c.groups["Kadry"]}, {"groupId": c.groups["Zarząd"]}},
			"m": []map[string]any{{"groupId": c.groups["Dyrektorzy"]}}}).MustOK(t)

	id := c.createSalaryChange(t, map[string]any{
		"employee":     map[string]any{"employeeName": "Jan Kowalski", "justification": "Awans"},
		"compensation": map[string]any{"currentSalary": "8000.00"},
	}, "creator", "kadry", "zarzad", "dyrektor", "villain")

	// Only Dyrektorzy may set the requested salary; the creator, though assigned, may not.
	upd := `mutation($id: ID!, $in: SalaryChangeInput!) { updateSalaryChange(id: $id, input: $in) { compensation { requestedSalary } } }`
	setSalary := map[string]any{"id": id, "in": map[string]any{"compensation": map[string]any{"requestedSalary": "9500.00"}}}
	for _, who := range []*gqltest.Client{c.creator, c.kadry, c.zarzad, c.villain} {
		e := who.Do(upd, setSalary).MustFail(t, "FIELD_NOT_WRITABLE")
		if f, _ := e.Extensions["fields"].([]any); len(f) != 1 || f[0] != "compensation.requestedSalary" {
			t.Fatalf("FIELD_NOT_WRITABLE names %v", e.Extensions["fields"])
		}
	}
	c.dyrektor.Do(upd, setSalary).MustOK(t)

	for _, tc := range []struct {
		name  string
		who   *gqltest.Client
		value any
		mode  string
	}{
		{"dyrektor", c.dyrektor, "9500.00", "MODIFY"},
		{"kadry", c.kadry, "9500.00", "READ_ONLY"},
		{"zarzad", c.zarzad, "9500.00", "READ_ONLY"},
		{"villain", c.villain, nil, "HIDDEN"}, // in no list: the field does not exist for him
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.who.Do(readSalary, map[string]any{"id": id})
			var out struct {
				SalaryChange struct {
					Employee     struct{ EmployeeName string }
					Compensation struct {
						CurrentSalary   string
						RequestedSalary any
					}
				}
			}
			r.MustOK(t).Decode(t, &out)
			if out.SalaryChange.Compensation.RequestedSalary != tc.value || out.SalaryChange.Compensation.CurrentSalary != "8000.00" ||
				out.SalaryChange.Employee.EmployeeName != "Jan Kowalski" {
				t.Fatalf("form = %+v", out.SalaryChange)
			}
			if m := modes(t, r, "salaryChange", "case", "access"); m["compensation.requestedSalary"] != tc.mode || m["compensation.currentSalary"] != "MODIFY" {
				t.Fatalf("modes = %v", m)
			}
			hidden := hiddenFields(r)
			if want := tc.value == nil; want != slices.Contains(hidden, "salaryChange.compensation.requestedSalary") || (!want && len(hidden) > 0) {
				t.Fatalf("extensions.hiddenFields = %v", hidden)
			}
		})
	}

	// The admin asks why the villain sees nothing.
	var ex struct {
		ExplainFieldAccess struct {
			Mode  string
			Steps []struct{ Layer, Setting, Value, Rule string }
		}
	}
	c.admin.Do(`query($id: ID!, $u: ID) { explainFieldAccess(caseId: $id, field: "compensation.requestedSalary", userId: $u) { mode steps { layer setting value rule } } }`,
		map[string]any{"id": id, "u": c.users["villain"]}).MustOK(t).Decode(t, &ex)
	steps := ex.ExplainFieldAccess.Steps
	if ex.ExplainFieldAccess.Mode != "HIDDEN" || steps[0].Layer != "CASE" || steps[len(steps)-1].Layer != "LISTS" ||
		!strings.Contains(steps[len(steps)-1].Rule, "visibleOnlyFor") {
		t.Fatalf("explanation = %+v", ex.ExplainFieldAccess)
	}
	// Asking about another user needs ADMIN; about oneself, not.
	c.kadry.Do(`query($id: ID!, $u: ID) { explainFieldAccess(caseId: $id, field: "compensation.requestedSalary", userId: $u) { mode } }`,
		map[string]any{"id": id, "u": c.users["villain"]}).MustFail(t, "FORBIDDEN")
	var self struct{ ExplainFieldAccess struct{ Mode string } }
	c.kadry.Do(`query($id: ID!) { explainFieldAccess(caseId: $id, field: "compensation.requestedSalary") { mode } }`, map[string]any{"id": id}).MustOK(t).Decode(t, &self)
	if self.ExplainFieldAccess.Mode != "READ_ONLY" {
		t.Fatalf("kadry's own explanation: %+v", self)
	}

	// Resetting the field returns it to the schema's defaults: the villain sees it again.
	c.admin.Do(`mutation { resetFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary") { access { overridden } } }`, nil).MustOK(t)
	var after struct {
		SalaryChange struct {
			Compensation struct{ RequestedSalary *string }
		}
	}
	c.villain.Do(readSalary, map[string]any{"id": id}).MustOK(t).Decode(t, &after)
	if after.SalaryChange.Compensation.RequestedSalary == nil {
		t.Fatal("reset did not restore the default")
	}
}

// TestFieldNotWritableNamesEveryFieldAndWritesNothing: one offending field fails the whole
// mutation, and hidden fields are named too, without their values.
func TestFieldNotWritableNamesEveryFieldAndWritesNothing(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	c.admin.Do(`mutation { setSectionAccess(procedure: "salary-change", section: "compensation", input: {internal: HIDDEN}) { key } }`, nil).MustOK(t)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "A"}})
	before := s.Count(`SELECT count(*) FROM audit_log`)
	e := c.creator.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {
		employee: {department: "IT"}, compensation: {currentSalary: "1.00", requestedSalary: "2.00"}}) { id } }`,
		map[string]any{"id": id}).MustFail(t, "FIELD_NOT_WRITABLE")
	got := e.Extensions["fields"].([]any)
	if len(got) != 2 || got[0] != "compensation.currentSalary" || got[1] != "compensation.requestedSalary" {
		t.Fatalf("fields = %v", got)
	}
	if strings.Contains(e.Message, "1.00") {
		t.Fatalf("the error reveals values: %s", e.Message)
	}
	var v struct {
		SalaryChange struct{ Employee struct{ Department *string } }
	}
	c.creator.Do(`query($id: ID!) { salaryChange(id: $id) { employee { department } } }`, map[string]any{"id": id}).MustOK(t).Decode(t, &v)
	if v.SalaryChange.Employee.Department != nil || s.Count(`SELECT count(*) FROM audit_log`) != before {
		t.Fatal("a refused update wrote something")
	}
	// A hidden section is null, and listed once.
	r := c.creator.Do(`query($id: ID!) { salaryChange(id: $id) { compensation { currentSalary } } }`, map[string]any{"id": id}).MustOK(t)
	if h := hiddenFields(r); len(h) != 1 || h[0] != "salaryChange.compensation" {
		t.Fatalf("hiddenFields = %v", h)
	}
}

func TestHiddenFieldsAsErrors(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.HiddenFieldErrors = true })
	c := newCompany(t, s)
	c.admin.Do(`mutation { setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary", input: {internal: HIDDEN}) { path } }`, nil).MustOK(t)
	id := c.createSalaryChange(t, map[string]any{})
	r := c.creator.Do(`query($id: ID!) { salaryChange(id: $id) { compensation { a: requestedSalary currentSalary } } }`, map[string]any{"id": id})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "FIELD_HIDDEN" || strings.Join(pathStrings(r.Errors[0].Path), ".") != "salaryChange.compensation.a" {
		t.Fatalf("errors = %+v", r.Errors)
	}
	if len(hiddenFields(r)) != 0 {
		t.Fatal("hidden fields reported twice")
	}
}

func pathStrings(p []any) []string {
	out := make([]string, len(p))
	for i, x := range p {
		out[i], _ = x.(string)
	}
	return out
}
