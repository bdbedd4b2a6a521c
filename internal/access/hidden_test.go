package access

import (
	"slices"
	"testing"
)

// TestHiddenFields: the paths of hidden fields and the keys of hidden sections, nothing a reader
// may read, and everything for a principal without READ.
func TestHiddenFields(t *testing.T) {
	f := NewForm("p", true, []SectionSettings{
		{Key: "a", Settings: Settings{Internal: Modify}, Fields: []FieldSettings{
			{Key: "open", Settings: Settings{Internal: AsSection}},
			{Key: "listed", Settings: Settings{Internal: AsSection, VisibleOnlyFor: []Ref{{GroupID: "g-kadry"}}}},
		}},
		{Key: "b", Settings: Settings{Internal: Hidden}, Fields: []FieldSettings{{Key: "x", Settings: Settings{Internal: AsSection}}}},
	}, nil)
	c := &Case{ID: "c", Stage: "S", Assignees: assignedTo}
	for _, tc := range []struct {
		who              *Principal
		fields, sections []string
	}{
		{kadry, []string{"b.x"}, []string{"b"}},
		{villain, []string{"a.listed", "b.x"}, []string{"b"}},
		{&Principal{Kind: KindInternal, UserID: "u-nobody"}, []string{"a.open", "a.listed", "b.x"}, []string{"a", "b"}},
	} {
		fields, sections := Decide(tc.who, c, f).HiddenFields()
		if !slices.Equal(fields, tc.fields) || !slices.Equal(sections, tc.sections) {
			t.Errorf("%s: hidden %v %v, want %v %v", tc.who.UserID, fields, sections, tc.fields, tc.sections)
		}
	}
}
