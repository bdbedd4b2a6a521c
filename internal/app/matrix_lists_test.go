package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// The visibleOnlyFor / modifyOnlyFor lists edited through setAccessMatrix, and read back through
// accessMatrix now and at a past time.

const setMatrixLists = `mutation($v: Int!, $c: [AccessMatrixChangeInput!]!, $l: [AccessMatrixListInput!]!) {
	setAccessMatrix(procedure: "salary-change", version: $v, changes: $c, lists: $l) { version } }`

const listsQuery = `query($at: DateTime) { accessMatrix(procedure: "salary-change", at: $at) { version
	rows { target visibleOnlyFor { user { email } group { name } } modifyOnlyFor { user { email } group { name } } } } }`

type refOut struct {
	User  *struct{ Email string }
	Group *struct{ Name string }
}

func (r refOut) String() string {
	switch {
	case r.User != nil:
		return "user " + r.User.Email
	case r.Group != nil:
		return "group " + r.Group.Name
	}
	return "nobody"
}

// listsOut is a matrix's lists: "target:visibleOnlyFor" -> principals, only the lists that are set.
type listsOut struct {
	Version int
	Lists   map[string][]string
}

// atVars are the variables of an accessMatrix(at:) query: none for today's settings.
func atVars(at *time.Time) map[string]any {
	vars := map[string]any{}
	if at != nil {
		vars["at"] = at.Format(time.RFC3339Nano)
	}
	return vars
}

func readLists(t *testing.T, c *gqltest.Client, at *time.Time) listsOut {
	t.Helper()
	vars := atVars(at)
	var out struct {
		AccessMatrix struct {
			Version int
			Rows    []struct {
				Target                        string
				VisibleOnlyFor, ModifyOnlyFor []refOut
			}
		}
	}
	c.Do(listsQuery, vars).MustOK(t).Decode(t, &out)
	l := listsOut{Version: out.AccessMatrix.Version, Lists: map[string][]string{}}
	for _, r := range out.AccessMatrix.Rows {
		for name, refs := range map[string][]refOut{"visibleOnlyFor": r.VisibleOnlyFor, "modifyOnlyFor": r.ModifyOnlyFor} {
			for _, ref := range refs {
				l.Lists[r.Target+":"+name] = append(l.Lists[r.Target+":"+name], ref.String())
			}
		}
	}
	return l
}

func createGroup(t *testing.T, admin *gqltest.Client, name string) string {
	t.Helper()
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t).Decode(t, &g)
	return g.CreateGroup.ID
}

// latestRevision is the procedure's newest revision's operation and cells, and the newest audit
// record of the procedure's settings with its changed fields.
func latestRevision(t *testing.T, s *gqltest.Server) (version int, cells, audit string) {
	t.Helper()
	row := s.DB.QueryRow(`SELECT version, array_to_string(cells, ' ') FROM procedure_settings_revisions
		WHERE procedure = 'salary-change' ORDER BY version DESC LIMIT 1`)
	if err := row.Scan(&version, &cells); err != nil {
		t.Fatal(err)
	}
	row = s.DB.QueryRow(`SELECT array_to_string(changed_fields, ' ') FROM audit_log WHERE entity = 'procedure' AND entity_id = 'salary-change'
		ORDER BY id DESC LIMIT 1`)
	if err := row.Scan(&audit); err != nil {
		t.Fatal(err)
	}
	return version, cells, audit
}

func TestSetAccessMatrixListsAndCellsInOneCall(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "kadrowa@casegate.test", "Kadrowa")
	gid := createGroup(t, admin, "Płace")
	revisions, audits := s.Count(`SELECT count(*) FROM procedure_settings_revisions`), s.Count(`SELECT count(*) FROM audit_log`)

	// Cells and lists, a field's and a section's, in one call.
	var out struct{ SetAccessMatrix struct{ Version int } }
	admin.Do(setMatrixLists, map[string]any{"v": 0,
		"c": []any{change("employee", "", "INTERNAL", "READ_ONLY")},
		"l": []any{
			map[string]any{"target": "compensation.requestedSalary", "visibleOnlyFor": []any{map[string]any{"userId": uid}, map[string]any{"groupId": gid}}},
			map[string]any{"target": "employee", "modifyOnlyFor": []any{map[string]any{"groupId": gid}}},
		}}).MustOK(t).Decode(t, &out)
	if out.SetAccessMatrix.Version != 1 {
		t.Errorf("version = %d, want 1", out.SetAccessMatrix.Version)
	}
	if n := s.Count(`SELECT count(*) FROM procedure_settings_revisions`); n != revisions+1 {
		t.Errorf("%d revisions added, want 1", n-revisions)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log`); n != audits+1 {
		t.Errorf("%d audit records added, want 1", n-audits)
	}
	const both = "employee@*/INTERNAL employee:modifyOnlyFor compensation.requestedSalary:visibleOnlyFor"
	if _, cells, audit := latestRevision(t, s); cells != both || audit != both {
		t.Errorf("revision cells %q, audit %q, want both %q", cells, audit, both)
	}
	m := readLists(t, admin, nil)
	want := map[string][]string{
		"employee:modifyOnlyFor":                      {"group Płace"},
		"compensation.requestedSalary:visibleOnlyFor": {"user kadrowa@casegate.test", "group Płace"},
	}
	if fmt.Sprint(m.Lists) != fmt.Sprint(want) {
		t.Errorf("lists = %v, want %v", m.Lists, want)
	}
	if c := readMatrix(t, admin, nil).cell(t, "employee", "HR", "INTERNAL"); c.Configured != "READ_ONLY" || c.Source != "ADMIN" {
		t.Errorf("the cell of the same call: %+v", c)
	}
	// The same lists setFieldAccess edits: the procedure's field shows them.
	var proc struct {
		Procedure struct {
			Sections []struct {
				Key    string
				Fields []struct {
					Path   string
					Access struct{ VisibleOnlyFor []refOut }
				}
			}
		}
	}
	admin.Do(`{ procedure(key: "salary-change") { sections { key fields { path access { visibleOnlyFor { user { email } group { name } } } } } } }`, nil).
		MustOK(t).Decode(t, &proc)
	for _, sec := range proc.Procedure.Sections {
		for _, f := range sec.Fields {
			if f.Path == "compensation.requestedSalary" && fmt.Sprint(f.Access.VisibleOnlyFor) != "[user kadrowa@casegate.test group Płace]" {
				t.Errorf("procedure's field lists %v", f.Access.VisibleOnlyFor)
			}
		}
	}

	// A list left out keeps its value; another one set beside it.
	admin.Do(setMatrixLists, map[string]any{"v": 1, "c": []any{},
		"l": []any{map[string]any{"target": "employee", "visibleOnlyFor": []any{map[string]any{"userId": uid}}}}}).MustOK(t)
	if l := readLists(t, admin, nil).Lists; fmt.Sprint(l["employee:modifyOnlyFor"]) != "[group Płace]" ||
		fmt.Sprint(l["employee:visibleOnlyFor"]) != "[user kadrowa@casegate.test]" {
		t.Errorf("after setting employee's visibleOnlyFor: %v", l)
	}
	if _, cells, _ := latestRevision(t, s); cells != "employee:visibleOnlyFor" {
		t.Errorf("cells %q", cells)
	}

	// The same lists again: a revision that lists nothing.
	admin.Do(setMatrixLists, map[string]any{"v": 2, "c": []any{},
		"l": []any{map[string]any{"target": "employee", "modifyOnlyFor": []any{map[string]any{"groupId": gid}}}}}).MustOK(t)
	if v, cells, audit := latestRevision(t, s); v != 3 || cells != "" || audit != "" {
		t.Errorf("no-op: version %d cells %q audit %q, want 3 and none", v, cells, audit)
	}

	// An empty list clears it; with nothing else set the field's override goes.
	admin.Do(setMatrixLists, map[string]any{"v": 3, "c": []any{},
		"l": []any{map[string]any{"target": "compensation.requestedSalary", "visibleOnlyFor": []any{}}}}).MustOK(t)
	if _, ok := readLists(t, admin, nil).Lists["compensation.requestedSalary:visibleOnlyFor"]; ok {
		t.Errorf("the cleared list is still shown")
	}
	if n := s.Count(`SELECT count(*) FROM procedure_settings WHERE target = 'compensation.requestedSalary'`); n != 0 {
		t.Errorf("an override with nothing in it is kept")
	}
	if _, cells, _ := latestRevision(t, s); cells != "compensation.requestedSalary:visibleOnlyFor" {
		t.Errorf("cells %q", cells)
	}
}

func TestSetAccessMatrixListsValidateTogether(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "kadrowa@casegate.test", "Kadrowa")
	gid := createGroup(t, admin, "Płace")
	const ghost = "5b2f6d1e-8c3a-4f7e-9a10-2d4c6e8f0a1b"
	user := func(id string) map[string]any { return map[string]any{"userId": id} }
	group := func(id string) map[string]any { return map[string]any{"groupId": id} }
	before := settingsWrites(s)

	// Every bad cell and list at once; the unknown user among statically bad entries.
	e := admin.Do(setMatrixLists, map[string]any{"v": 0,
		"c": []any{change("employee", "LATER", "EXTERNAL", "MODIFY"), change("employee", "", "INTERNAL", "READ_ONLY")},
		"l": []any{
			map[string]any{"target": "employee.nope", "visibleOnlyFor": []any{user(uid)}},
			map[string]any{"target": "compensation.requestedSalary", "visibleOnlyFor": []any{user(ghost), user(uid)}, "modifyOnlyFor": []any{group("not-a-uuid")}},
			map[string]any{"target": "compensation"},
			map[string]any{"target": "employee", "modifyOnlyFor": []any{map[string]any{"userId": uid, "groupId": gid}, group(gid), group(gid)}},
			map[string]any{"target": "employee", "modifyOnlyFor": []any{}},
		}}).MustFail(t, "BAD_USER_INPUT")
	cells := fmt.Sprint(e.Extensions["cells"])
	for _, cell := range []string{"employee@LATER/EXTERNAL", "employee.nope:visibleOnlyFor", "compensation.requestedSalary:visibleOnlyFor",
		"compensation.requestedSalary:modifyOnlyFor", "compensation", "employee:modifyOnlyFor"} {
		if !slices.Contains(strings.Fields(strings.Trim(cells, "[]")), cell) {
			t.Errorf("extensions.cells %s does not name %s", cells, cell)
		}
	}
	for _, reason := range []string{"no such user " + ghost, "listed twice", "set twice", "give exactly one of userId and groupId", "sets neither"} {
		if !strings.Contains(e.Message, reason) {
			t.Errorf("message does not say %q: %s", reason, e.Message)
		}
	}
	if strings.Contains(cells, "employee@*/INTERNAL") || strings.Contains(e.Message, "no such user "+uid) {
		t.Errorf("a good cell or user named: %s", e.Message)
	}
	if settingsWrites(s) != before {
		t.Fatalf("refused matrix wrote")
	}

	// Only an unknown group, beside good cells: found in the transaction, named, nothing written.
	e = admin.Do(setMatrixLists, map[string]any{"v": 0,
		"c": []any{change("employee", "", "INTERNAL", "READ_ONLY")},
		"l": []any{map[string]any{"target": "compensation.requestedSalary", "modifyOnlyFor": []any{group(gid), group(ghost)}}}}).MustFail(t, "BAD_USER_INPUT")
	if fmt.Sprint(e.Extensions["cells"]) != "[compensation.requestedSalary:modifyOnlyFor]" || e.Extensions["field"] != "lists" ||
		!strings.Contains(e.Message, "no such group "+ghost) {
		t.Errorf("unknown group: %s %v", e.Message, e.Extensions)
	}
	if settingsWrites(s) != before {
		t.Fatalf("refused matrix wrote")
	}
	admin.Do(setMatrixLists, map[string]any{"v": 0, "c": []any{}, "l": []any{}}).MustFail(t, "BAD_USER_INPUT")

	// A stale version with lists: CONFLICT, nothing written.
	admin.Do(setMatrixLists, map[string]any{"v": 0, "c": []any{},
		"l": []any{map[string]any{"target": "employee", "visibleOnlyFor": []any{user(uid)}}}}).MustOK(t)
	before = settingsWrites(s)
	admin.Do(setMatrixLists, map[string]any{"v": 0, "c": []any{change("employee", "", "INTERNAL", "READ_ONLY")},
		"l": []any{map[string]any{"target": "employee", "visibleOnlyFor": []any{group(gid)}}}}).MustFail(t, "CONFLICT")
	if settingsWrites(s) != before {
		t.Fatalf("stale matrix wrote")
	}
	if l := readLists(t, admin, nil).Lists; fmt.Sprint(l["employee:visibleOnlyFor"]) != "[user kadrowa@casegate.test]" {
		t.Errorf("lists after the conflict: %v", l)
	}

	// Only administrators.
	createUser(t, admin, "clerk@casegate.test", "Clerk")
	clerk := s.Login("clerk@casegate.test", "user-password-1")
	before = settingsWrites(s)
	clerk.Do(setMatrixLists, map[string]any{"v": 1, "c": []any{},
		"l": []any{map[string]any{"target": "employee", "visibleOnlyFor": []any{}}}}).MustFail(t, "FORBIDDEN")
	if settingsWrites(s) != before {
		t.Fatalf("forbidden matrix wrote")
	}
}

func TestAccessMatrixListsAt(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "kadrowa@casegate.test", "Kadrowa")
	gid := createGroup(t, admin, "Płace")
	start := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	admin.Do(setMatrixLists, map[string]any{"v": 0, "c": []any{}, "l": []any{
		map[string]any{"target": "compensation.requestedSalary", "visibleOnlyFor": []any{map[string]any{"userId": uid}}},
	}}).MustOK(t)
	s.Clock.Advance(time.Minute)
	between := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	// The second change through setFieldAccess: every settings write is a revision.
	admin.Do(`mutation($g: ID) { setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary",
		input: {visibleOnlyFor: [{groupId: $g}], modifyOnlyFor: [{groupId: $g}]}) { path } }`, map[string]any{"g": gid}).MustOK(t)
	s.Clock.Advance(time.Minute)
	after := s.Clock.Now()

	const vis, mod = "compensation.requestedSalary:visibleOnlyFor", "compensation.requestedSalary:modifyOnlyFor"
	for _, tc := range []struct {
		name    string
		at      *time.Time
		version int
		want    map[string][]string
	}{
		{"before any change", &start, 0, map[string][]string{}},
		{"between the changes", &between, 1, map[string][]string{vis: {"user kadrowa@casegate.test"}}},
		{"after both", &after, 2, map[string][]string{vis: {"group Płace"}, mod: {"group Płace"}}},
		{"now", nil, 2, map[string][]string{vis: {"group Płace"}, mod: {"group Płace"}}},
	} {
		got := readLists(t, admin, tc.at)
		if got.Version != tc.version || fmt.Sprint(got.Lists) != fmt.Sprint(tc.want) {
			t.Errorf("%s: version %d lists %v, want %d %v", tc.name, got.Version, got.Lists, tc.version, tc.want)
		}
	}
}

// Procedure grants are part of what accessMatrix shows (procedure { grants }): granting and
// revoking are revisions, and at: shows the grants in force then.
func TestAccessMatrixGrantsAt(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	kadry, place := createGroup(t, admin, "Kadry"), createGroup(t, admin, "Płace")
	const grant = `mutation($g: ID) { grantProcedureAccess(procedure: "salary-change", principal: {groupId: $g}, right: READ) { key } }`
	start := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	admin.Do(grant, map[string]any{"g": kadry}).MustOK(t)
	s.Clock.Advance(time.Minute)
	between := s.Clock.Now()
	s.Clock.Advance(time.Minute)
	admin.Do(grant, map[string]any{"g": place}).MustOK(t)
	admin.Do(`mutation($g: ID) { revokeProcedureAccess(procedure: "salary-change", principal: {groupId: $g}) { key } }`, map[string]any{"g": kadry}).MustOK(t)
	s.Clock.Advance(time.Minute)
	after := s.Clock.Now()

	grantsAt := func(at *time.Time) (int, string) {
		vars := atVars(at)
		var out struct {
			AccessMatrix struct {
				Version   int
				Procedure struct {
					Grants []struct {
						Group struct{ Name string }
						Right string
					}
				}
			}
		}
		admin.Do(`query($at: DateTime) { accessMatrix(procedure: "salary-change", at: $at) { version procedure { grants { group { name } right } } } }`, vars).
			MustOK(t).Decode(t, &out)
		return out.AccessMatrix.Version, fmt.Sprint(out.AccessMatrix.Procedure.Grants)
	}
	for _, tc := range []struct {
		name    string
		at      *time.Time
		version int
		want    string
	}{
		{"before any grant", &start, 0, "[]"},
		{"after the first grant", &between, 1, "[{{Kadry} READ}]"},
		{"after the second grant and the revoke", &after, 3, "[{{Płace} READ}]"},
		{"now", nil, 3, "[{{Płace} READ}]"},
	} {
		if v, g := grantsAt(tc.at); v != tc.version || g != tc.want {
			t.Errorf("%s: version %d grants %s, want %d %s", tc.name, v, g, tc.version, tc.want)
		}
	}
	if v, cells, audit := latestRevision(t, s); v != 3 || cells != "grants" || audit != "grants" {
		t.Errorf("the revoke's revision: version %d cells %q audit %q", v, cells, audit)
	}
	if n := s.Count(`SELECT count(*) FROM procedure_settings_revisions WHERE operation IN ('grantProcedureAccess', 'revokeProcedureAccess')`); n != 3 {
		t.Errorf("%d grant revisions, want 3", n)
	}
	// A grant meanwhile is a change of the configuration the caller read: CONFLICT.
	admin.Do(grant, map[string]any{"g": kadry}).MustOK(t)
	before := settingsWrites(s)
	admin.Do(setMatrixLists, map[string]any{"v": 3, "c": []any{change("employee", "", "INTERNAL", "READ_ONLY")}, "l": []any{}}).MustFail(t, "CONFLICT")
	if settingsWrites(s) != before {
		t.Errorf("stale matrix wrote")
	}
}
