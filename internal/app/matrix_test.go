package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

const matrixQuery = `query($p: String!, $at: DateTime) { accessMatrix(procedure: $p, at: $at) { version at stages
	rows { target isSection name cells { stage audience configured mode source } visibleOnlyFor { user { email } group { name } } } } }`

type matrixCell struct{ Stage, Audience, Configured, Mode, Source string }
type matrixRow struct {
	Target         string
	IsSection      bool
	Name           string
	Cells          []matrixCell
	VisibleOnlyFor []struct {
		User  struct{ Email string }
		Group struct{ Name string }
	}
}
type matrixOut struct {
	Version int
	At      *string
	Stages  []string
	Rows    []matrixRow
}

func readMatrix(t *testing.T, c *gqltest.Client, at *time.Time) matrixOut {
	t.Helper()
	vars := map[string]any{"p": "salary-change"}
	if at != nil {
		vars["at"] = at.Format(time.RFC3339Nano)
	}
	var out struct{ AccessMatrix matrixOut }
	c.Do(matrixQuery, vars).MustOK(t).Decode(t, &out)
	return out.AccessMatrix
}

func (m matrixOut) cell(t *testing.T, target, stage, audience string) matrixCell {
	t.Helper()
	for _, r := range m.Rows {
		if r.Target != target {
			continue
		}
		for _, c := range r.Cells {
			if c.Stage == stage && c.Audience == audience {
				return c
			}
		}
	}
	t.Fatalf("no cell %s@%s/%s", target, stage, audience)
	return matrixCell{}
}

// settingsWrites counts what a refused settings write must not leave behind.
func settingsWrites(s *gqltest.Server) [3]int {
	return [3]int{s.Count(`SELECT count(*) FROM procedure_settings`), s.Count(`SELECT count(*) FROM procedure_settings_revisions`),
		s.Count(`SELECT count(*) FROM audit_log`)}
}

func TestAccessMatrixSources(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	m := readMatrix(t, admin, nil)
	if m.Version != 0 || !slices.Equal(m.Stages, []string{"DRAFT", "APPROVAL", "HR", "DONE"}) || m.At != nil {
		t.Fatalf("fresh matrix: version %d stages %v at %v", m.Version, m.Stages, m.At)
	}
	if m.Rows[0].Target != "employee" || !m.Rows[0].IsSection || m.Rows[1].Target != "employee.employeeName" || len(m.Rows[1].Cells) != 8 {
		t.Fatalf("rows not in form order with 8 cells: %+v", m.Rows[:2])
	}
	admin.Do(`mutation { setFieldAccess(procedure: "salary-change", field: "compensation.currentSalary", input: {internal: READ_ONLY}) { path } }`, nil).MustOK(t)
	m = readMatrix(t, admin, nil)
	if m.Version != 1 {
		t.Errorf("version after setFieldAccess = %d, want 1", m.Version)
	}
	for _, tc := range []struct {
		target, stage, audience string
		want                    matrixCell
	}{
		{"employee.employeeName", "DRAFT", "INTERNAL", matrixCell{"DRAFT", "INTERNAL", "REQUIRED", "REQUIRED", "SCHEMA"}},
		{"compensation.currentSalary", "HR", "INTERNAL", matrixCell{"HR", "INTERNAL", "READ_ONLY", "READ_ONLY", "ADMIN"}},
		{"compensation.requestedSalary", "APPROVAL", "INTERNAL", matrixCell{"APPROVAL", "INTERNAL", "REQUIRED", "REQUIRED", "STAGE_EXCEPTION"}},
		{"employee.department", "DRAFT", "INTERNAL", matrixCell{"DRAFT", "INTERNAL", "AS_SECTION", "MODIFY", "SECTION"}},
		{"employee", "DONE", "INTERNAL", matrixCell{"DONE", "INTERNAL", "READ_ONLY", "READ_ONLY", "STAGE_EXCEPTION"}},
		{"employee", "DRAFT", "EXTERNAL", matrixCell{"DRAFT", "EXTERNAL", "HIDDEN", "HIDDEN", "SCHEMA"}},
		{"employee.employeeName", "DRAFT", "EXTERNAL", matrixCell{"DRAFT", "EXTERNAL", "AS_SECTION", "HIDDEN", "SECTION"}},
	} {
		if got := m.cell(t, tc.target, tc.stage, tc.audience); got != tc.want {
			t.Errorf("%s@%s/%s = %+v, want %+v", tc.target, tc.stage, tc.audience, got, tc.want)
		}
	}
	// Only administrators.
	createUser(t, admin, "clerk@casegate.test", "Clerk")
	clerk := s.Login("clerk@casegate.test", "user-password-1")
	clerk.Do(`{ accessMatrix(procedure: "salary-change") { version } }`, nil).MustFail(t, "FORBIDDEN")
	clerk.Do(`{ accessSettingsHistory(procedure: "salary-change") { edges { cursor } } }`, nil).MustFail(t, "FORBIDDEN")
	clerk.Do(`{ exportAccessSettings(procedure: "salary-change") }`, nil).MustFail(t, "FORBIDDEN")
	before := settingsWrites(s)
	clerk.Do(`mutation { setAccessMatrix(procedure: "salary-change", version: 1, changes: [{target: "employee", audience: INTERNAL, mode: HIDDEN}]) { version } }`, nil).MustFail(t, "FORBIDDEN")
	clerk.Do(`mutation { importAccessSettings(procedure: "salary-change", content: "{}") { version } }`, nil).MustFail(t, "FORBIDDEN")
	if after := settingsWrites(s); after != before {
		t.Errorf("forbidden writes wrote: %v -> %v", before, after)
	}
}

const setMatrix = `mutation($v: Int!, $c: [AccessMatrixChangeInput!]!) { setAccessMatrix(procedure: "salary-change", version: $v, changes: $c) { version } }`

func change(target, stage, audience string, mode any) map[string]any {
	c := map[string]any{"target": target, "audience": audience, "mode": mode}
	if stage != "" {
		c["stage"] = stage
	}
	return c
}

func TestSetAccessMatrixValidatesTogetherAndChecksTheVersion(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	before := settingsWrites(s)
	e := admin.Do(setMatrix, map[string]any{"v": 0, "c": []any{
		change("employee.nope", "", "INTERNAL", "HIDDEN"),
		change("employee", "LATER", "EXTERNAL", "MODIFY"),
		change("compensation", "DRAFT", "INTERNAL", "HIDDEN"),
		change("compensation.currentSalary", "DRAFT", "INTERNAL", "REQUIRED"),
	}}).MustFail(t, "BAD_USER_INPUT")
	for _, cell := range []string{"employee.nope@*/INTERNAL", "employee@LATER/EXTERNAL"} {
		if !strings.Contains(e.Message, cell) {
			t.Errorf("message does not name %s: %s", cell, e.Message)
		}
	}
	if settingsWrites(s) != before {
		t.Fatalf("refused matrix wrote")
	}
	// The unknown ones fixed, the REQUIRED field in the HIDDEN section remains.
	e = admin.Do(setMatrix, map[string]any{"v": 0, "c": []any{
		change("compensation", "DRAFT", "INTERNAL", "HIDDEN"),
		change("compensation.currentSalary", "DRAFT", "INTERNAL", "REQUIRED"),
		change("compensation.requestedSalary", "DRAFT", "INTERNAL", "REQUIRED"),
	}}).MustFail(t, "BAD_USER_INPUT")
	cells := fmt.Sprint(e.Extensions["cells"])
	if cells != "[compensation.currentSalary@DRAFT/INTERNAL compensation.requestedSalary@DRAFT/INTERNAL]" {
		t.Errorf("extensions.cells = %s", cells)
	}
	if settingsWrites(s) != before {
		t.Fatalf("refused matrix wrote")
	}
	// A valid set: one revision, one audit record listing the cells.
	var out struct{ SetAccessMatrix struct{ Version int } }
	admin.Do(setMatrix, map[string]any{"v": 0, "c": []any{
		change("compensation", "DRAFT", "INTERNAL", "HIDDEN"),
		change("compensation.currentSalary", "", "EXTERNAL", "READ_ONLY"),
	}}).MustOK(t).Decode(t, &out)
	if out.SetAccessMatrix.Version != 1 {
		t.Errorf("version = %d, want 1", out.SetAccessMatrix.Version)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'procedure.access.matrix' AND entity_id = 'salary-change'
		AND changed_fields = '{compensation@DRAFT/INTERNAL,compensation.currentSalary@*/EXTERNAL}'`); n != 1 {
		t.Errorf("%d audit records listing the cells, want 1", n)
	}
	m := readMatrix(t, admin, nil)
	if c := m.cell(t, "compensation", "DRAFT", "INTERNAL"); c.Mode != "HIDDEN" || c.Source != "STAGE_EXCEPTION" {
		t.Errorf("compensation@DRAFT/INTERNAL = %+v", c)
	}
	if c := m.cell(t, "compensation.currentSalary", "HR", "EXTERNAL"); c.Configured != "READ_ONLY" || c.Source != "SECTION" {
		t.Errorf("currentSalary@HR/EXTERNAL = %+v (the section is hidden externally)", c)
	}
	// A stale version: CONFLICT, nothing written.
	before = settingsWrites(s)
	admin.Do(setMatrix, map[string]any{"v": 0, "c": []any{change("employee", "", "INTERNAL", "READ_ONLY")}}).MustFail(t, "CONFLICT")
	if settingsWrites(s) != before {
		t.Fatalf("stale matrix wrote")
	}
	// Clearing goes back to the schema: the exception removed, the base the schema's.
	admin.Do(setMatrix, map[string]any{"v": 1, "c": []any{
		change("compensation", "DRAFT", "INTERNAL", nil), change("compensation.currentSalary", "", "EXTERNAL", nil),
	}}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM procedure_settings WHERE procedure = 'salary-change'`); n != 0 {
		t.Errorf("%d overrides left after clearing every cell", n)
	}
}

func TestAccessSettingsHistoryAndAt(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	t0 := readMatrix(t, admin, nil)
	admin.Do(setMatrix, map[string]any{"v": 0, "c": []any{change("employee", "", "INTERNAL", "READ_ONLY")}}).MustOK(t)
	s.Clock.Advance(time.Minute)
	between := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	admin.Do(`mutation { setSectionAccess(procedure: "salary-change", section: "employee", input: {internal: HIDDEN}) { key } }`, nil).MustOK(t)
	admin.Do(`mutation { resetSectionAccess(procedure: "salary-change", section: "employee") { key } }`, nil).MustOK(t)

	var h struct {
		AccessSettingsHistory struct {
			Edges []struct {
				Cursor string
				Node   struct {
					Version   int
					Operation string
					Cells     []string
					ChangedBy struct{ Email string }
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	const history = `query($a: String) { accessSettingsHistory(procedure: "salary-change", first: 2, after: $a) {
		edges { cursor node { version operation cells changedBy { email } } } pageInfo { hasNextPage } } }`
	admin.Do(history, nil).MustOK(t).Decode(t, &h)
	e := h.AccessSettingsHistory.Edges
	if len(e) != 2 || e[0].Node.Version != 3 || e[0].Node.Operation != "resetSectionAccess" || e[1].Node.Operation != "setSectionAccess" ||
		!h.AccessSettingsHistory.PageInfo.HasNextPage || e[0].Node.ChangedBy.Email != gqltest.AdminEmail {
		t.Fatalf("first page = %+v", h.AccessSettingsHistory)
	}
	if !slices.Equal(e[1].Node.Cells, []string{"employee@*/INTERNAL"}) {
		t.Errorf("setSectionAccess cells = %v", e[1].Node.Cells)
	}
	admin.Do(history, map[string]any{"a": e[1].Cursor}).MustOK(t).Decode(t, &h)
	e = h.AccessSettingsHistory.Edges
	if len(e) != 1 || e[0].Node.Version != 1 || e[0].Node.Operation != "setAccessMatrix" || h.AccessSettingsHistory.PageInfo.HasNextPage {
		t.Fatalf("second page = %+v", h.AccessSettingsHistory)
	}

	// at: the configuration in force then.
	then := readMatrix(t, admin, &between)
	if then.Version != 1 || then.At == nil || then.cell(t, "employee", "HR", "INTERNAL").Mode != "READ_ONLY" {
		t.Errorf("matrix at the first revision: version %d, employee@HR/INTERNAL %+v", then.Version, then.cell(t, "employee", "HR", "INTERNAL"))
	}
	early := between.Add(-time.Hour)
	if before := readMatrix(t, admin, &early); before.Version != 0 || before.cell(t, "employee", "HR", "INTERNAL") != t0.cell(t, "employee", "HR", "INTERNAL") {
		t.Errorf("matrix before any change differs from the schema's")
	}
	if now := readMatrix(t, admin, nil); now.Version != 3 || now.cell(t, "employee", "HR", "INTERNAL").Source != "SCHEMA" {
		t.Errorf("matrix now: version %d", now.Version)
	}
}

func TestAccessSettingsExportImport(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "kadrowa@casegate.test", "Kadrowa")
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Płace") { id } }`, nil).MustOK(t).Decode(t, &g)
	admin.Do(`mutation($u: ID, $g: ID) { setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary",
		input: {visibleOnlyFor: [{userId: $u}, {groupId: $g}], stageExceptions: [{stage: "HR", internal: READ_ONLY}]}) { path } }`,
		map[string]any{"u": uid, "g": g.CreateGroup.ID}).MustOK(t)
	admin.Do(setMatrix, map[string]any{"v": 1, "c": []any{change("employee", "", "EXTERNAL", "READ_ONLY")}}).MustOK(t)
	want := readMatrix(t, admin, nil)

	for _, format := range []string{"JSON", "YAML"} {
		t.Run(format, func(t *testing.T) {
			var ex struct{ ExportAccessSettings string }
			admin.Do(`query($f: SettingsFormat) { exportAccessSettings(procedure: "salary-change", format: $f) }`, map[string]any{"f": format}).MustOK(t).Decode(t, &ex)
			file := ex.ExportAccessSettings
			if !strings.Contains(file, "kadrowa@casegate.test") || !strings.Contains(file, "Płace") || strings.Contains(file, uid) {
				t.Fatalf("export does not name users by e-mail and groups by name:\n%s", file)
			}
			// A fresh state: every override reset, then the file imported.
			fresh := readMatrix(t, admin, nil)
			admin.Do(`mutation { resetFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary") { path } resetSectionAccess(procedure: "salary-change", section: "employee") { key } }`, nil).MustOK(t)
			if n := s.Count(`SELECT count(*) FROM procedure_settings`); n != 0 {
				t.Fatalf("%d overrides after resetting", n)
			}
			var im struct{ ImportAccessSettings struct{ Version int } }
			admin.Do(`mutation($c: String!, $f: SettingsFormat) { importAccessSettings(procedure: "salary-change", content: $c, format: $f) { version } }`,
				map[string]any{"c": file, "f": format}).MustOK(t).Decode(t, &im)
			got := readMatrix(t, admin, nil)
			if im.ImportAccessSettings.Version != fresh.Version+3 || got.Version != im.ImportAccessSettings.Version {
				t.Errorf("version after import %d, want %d", im.ImportAccessSettings.Version, fresh.Version+3)
			}
			got.Version, want.Version = 0, 0
			if fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) {
				t.Errorf("imported matrix differs:\n got %+v\nwant %+v", got.Rows, want.Rows)
			}
		})
	}

	// Unknown users and groups, a wrong procedure, a wrong format: BAD_USER_INPUT naming each.
	before := settingsWrites(s)
	const imp = `mutation($c: String!) { importAccessSettings(procedure: "salary-change", content: $c) { version } }`
	e := admin.Do(imp, map[string]any{"c": `{"format": 1, "procedure": "salary-change", "targets": [
		{"target": "compensation.requestedSalary", "visibleOnlyFor": [{"user": "nobody@elsewhere.test"}, {"group": "Nieznana"}]}]}`}).MustFail(t, "BAD_USER_INPUT")
	if !strings.Contains(e.Message, "nobody@elsewhere.test") || !strings.Contains(e.Message, "Nieznana") {
		t.Errorf("message does not name the unknown user and group: %s", e.Message)
	}
	e = admin.Do(imp, map[string]any{"c": `{"format": 1, "procedure": "service-request", "targets": []}`}).MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["field"] != "procedure" {
		t.Errorf("procedure mismatch names %v", e.Extensions["field"])
	}
	admin.Do(imp, map[string]any{"c": `{"format": 9, "procedure": "salary-change", "targets": []}`}).MustFail(t, "BAD_USER_INPUT")
	e = admin.Do(imp, map[string]any{"c": `{"format": 1, "procedure": "salary-change", "targets": [{"target": "x.y"}, {"target": "employee", "stageExceptions": [{"stage": "NOPE", "internal": "HIDDEN"}]}]}`}).MustFail(t, "BAD_USER_INPUT")
	if cells := fmt.Sprint(e.Extensions["cells"]); cells != "[x.y employee@NOPE]" {
		t.Errorf("cells = %s", cells)
	}
	// The file's own problems and the principals this installation lacks, in one answer.
	e = admin.Do(imp, map[string]any{"c": `{"format": 1, "procedure": "salary-change", "targets": [
		{"target": "employee", "stageExceptions": [{"stage": "NOPE", "internal": "HIDDEN"}]},
		{"target": "compensation.requestedSalary", "visibleOnlyFor": [{"user": "nobody@elsewhere.test"}, {}], "modifyOnlyFor": [{"group": "Nieznana"}]}]}`}).MustFail(t, "BAD_USER_INPUT")
	if cells := fmt.Sprint(e.Extensions["cells"]); cells != "[employee@NOPE compensation.requestedSalary:visibleOnlyFor compensation.requestedSalary:visibleOnlyFor compensation.requestedSalary:modifyOnlyFor]" {
		t.Errorf("cells = %s", cells)
	}
	for _, want := range []string{"NOPE", "nobody@elsewhere.test", "Nieznana", "exactly one of user and group"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the message does not name %q: %s", want, e.Message)
		}
	}
	admin.Do(imp, map[string]any{"c": strings.Repeat(" ", 1<<20+1)}).MustFail(t, "BAD_USER_INPUT")
	if settingsWrites(s) != before {
		t.Errorf("refused imports wrote")
	}
}
