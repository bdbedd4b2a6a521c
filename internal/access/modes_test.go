package access

import (
	"testing"
)

// The people of the seed's worked example, and a villain who is in no group.
var (
	kadry      = &Principal{Kind: KindInternal, UserID: "u-kadry", Groups: []string{"g-kadry"}}
	zarzad     = &Principal{Kind: KindInternal, UserID: "u-zarzad", Groups: []string{"g-zarzad"}}
	dyrektor   = &Principal{Kind: KindInternal, UserID: "u-dyr", Groups: []string{"g-dyrektorzy"}}
	villain    = &Principal{Kind: KindInternal, UserID: "u-villain"}
	externalP  = &Principal{Kind: KindExternal, UserID: "u-guest", ContactID: "c-guest"}
	assignedTo = []string{"u-kadry", "u-zarzad", "u-dyr", "u-villain", "u-guest"}
)

func oneField(section, field Settings) *Form {
	return NewForm("p", true, []SectionSettings{{Key: "s", Settings: section, Fields: []FieldSettings{{Key: "f", Settings: field}}}}, nil)
}

// TestRestrictTable is the restrict table of docs/access.md: every mode × every column.
func TestRestrictTable(t *testing.T) {
	listed := []Ref{{UserID: "u-villain"}}
	other := []Ref{{UserID: "u-someone-else"}}
	columns := []struct {
		name  string
		lists Settings
	}{
		{"modifyOnlyFor set, P in it", Settings{ModifyOnlyFor: listed, VisibleOnlyFor: other}},
		{"visibleOnlyFor set, P in it", Settings{VisibleOnlyFor: listed, ModifyOnlyFor: other}},
		{"visibleOnlyFor set, P not in it", Settings{VisibleOnlyFor: other}},
		{"only modifyOnlyFor set, P not in it", Settings{ModifyOnlyFor: other}},
		{"neither set", Settings{}},
	}
	want := map[Mode][5]Mode{
		Hidden:   {Hidden, Hidden, Hidden, Hidden, Hidden},
		Required: {Required, ReadOnly, Hidden, ReadOnly, Required},
		Modify:   {Modify, ReadOnly, Hidden, ReadOnly, Modify},
		ReadOnly: {ReadOnly, ReadOnly, Hidden, ReadOnly, ReadOnly},
	}
	for m, row := range want {
		for i, col := range columns {
			s := col.lists
			if got := restrict(villain, m, &s, where{}, nil); got != row[i] {
				t.Errorf("restrict(%s, %s) = %s, want %s", m, col.name, got, row[i])
			}
		}
	}
}

// TestSalaryExample is the seed's worked example: "requested salary" visible only for Kadry and
// Zarząd, modified only by Dyrektorzy.
func TestSalaryExample(t *testing.T) {
	f := oneField(Settings{Internal: Modify, External: Hidden}, Settings{
		Internal: AsSection, External: AsSection,
		VisibleOnlyFor: []Ref{{GroupID: "g-kadry"}, {GroupID: "g-zarzad"}},
		ModifyOnlyFor:  []Ref{{GroupID: "g-dyrektorzy"}},
	})
	c := &Case{ID: "c", Stage: "APPROVAL", Assignees: assignedTo}
	for _, tc := range []struct {
		who  *Principal
		want Mode
	}{
		{dyrektor, Modify},
		{kadry, ReadOnly},
		{zarzad, ReadOnly},
		{villain, Hidden}, // listed nowhere: visibleOnlyFor hides it
	} {
		if got := Decide(tc.who, c, f).Field(0, 0); got != tc.want {
			t.Errorf("%s: requested salary is %s, want %s", tc.who.UserID, got, tc.want)
		}
	}
}

// TestResolutionOrder walks the resolution steps: base → stage exception → case override, per
// audience.
func TestResolutionOrder(t *testing.T) {
	section := Settings{Internal: Modify, External: Hidden, Exceptions: []StageMode{
		{Stage: "HR", Internal: ReadOnly},   // names only internal: external keeps its base
		{Stage: "PUBLIC", External: Modify}, // names only external
	}}
	field := Settings{Internal: AsSection, External: AsSection, Exceptions: []StageMode{{Stage: "STRICT", Internal: Required}}}
	f := oneField(section, field)
	for _, tc := range []struct {
		name      string
		who       *Principal
		stage     string
		overrides []Override
		sec, fld  Mode
	}{
		{"internal base", villain, "DRAFT", nil, Modify, Modify},
		{"external default is hidden", externalP, "DRAFT", nil, Hidden, Hidden},
		{"internal stage exception", villain, "HR", nil, ReadOnly, ReadOnly},
		{"an internal-only exception leaves external at its base", externalP, "HR", nil, Hidden, Hidden},
		{"external stage exception", externalP, "PUBLIC", nil, Modify, Modify},
		{"field exception over AS_SECTION", villain, "STRICT", nil, Modify, Required},
		{"case override of the section beats the stage, both audiences", externalP, "HR",
			[]Override{{Section: "s", Mode: ReadOnly}}, ReadOnly, ReadOnly},
		{"case override of a field", villain, "DRAFT", []Override{{Section: "s", Field: "f", Mode: Hidden}}, Modify, Hidden},
		{"field override cannot reveal a hidden section", villain, "DRAFT",
			[]Override{{Section: "s", Mode: Hidden}, {Section: "s", Field: "f", Mode: Modify}}, Hidden, Hidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Stage: tc.stage, Assignees: assignedTo, Overrides: tc.overrides}
			d := Decide(tc.who, c, f)
			if d.Sections[0] != tc.sec || d.Field(0, 0) != tc.fld {
				t.Errorf("section %s field %s, want %s %s", d.Sections[0], d.Field(0, 0), tc.sec, tc.fld)
			}
		})
	}
}

// TestListsOfSectionAndField: the section's lists restrict its fields too, then the field's own.
func TestListsOfSectionAndField(t *testing.T) {
	f := oneField(
		Settings{Internal: Modify, ModifyOnlyFor: []Ref{{GroupID: "g-kadry"}}},
		Settings{Internal: AsSection, VisibleOnlyFor: []Ref{{GroupID: "g-kadry"}, {UserID: "u-zarzad"}}},
	)
	c := &Case{Assignees: assignedTo}
	for who, want := range map[*Principal]Mode{
		kadry:   ReadOnly, // the section keeps MODIFY for Kadry, but the field's visibleOnlyFor makes it read only
		zarzad:  ReadOnly, // the section is read only (not in its modifyOnlyFor); the field lists Zarząd as visible
		villain: Hidden,   // the section is read only, and the field's visibleOnlyFor hides it
	} {
		if got := Decide(who, c, f).Field(0, 0); got != want {
			t.Errorf("%s: %s, want %s", who.UserID, got, want)
		}
	}
}

// TestWriteCap: without WRITE nothing is REQUIRED or MODIFY (step 7).
func TestWriteCap(t *testing.T) {
	f := oneField(Settings{Internal: Required}, Settings{Internal: AsSection})
	creatorOnly := &Case{CreatorID: "u-villain"} // CREATOR gives READ only
	d := Decide(villain, creatorOnly, f)
	if d.Right != Read || d.Sections[0] != ReadOnly || d.Field(0, 0) != ReadOnly {
		t.Fatalf("creator without a task: right %s, section %s, field %s", d.Right, d.Sections[0], d.Field(0, 0))
	}
	stranger := Decide(villain, &Case{}, f)
	if stranger.Right != NoRight || stranger.Sections[0] != Hidden || stranger.Field(0, 0) != Hidden {
		t.Fatalf("no right: %+v", stranger)
	}
}
