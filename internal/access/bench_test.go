package access

import (
	"fmt"
	"testing"
)

// benchForm is a 30-field form (3 sections × 10 fields) with stage exceptions and lists on some
// sections and fields, as a real procedure has.
func benchForm() *Form {
	sections := make([]SectionSettings, 3)
	for i := range sections {
		s := SectionSettings{Key: fmt.Sprintf("section%d", i), Settings: Settings{Internal: Modify, External: Hidden,
			Exceptions: []StageMode{{Stage: "HR", Internal: ReadOnly}, {Stage: "DONE", Internal: ReadOnly, External: ReadOnly}}}}
		if i == 2 {
			s.VisibleOnlyFor = []Ref{{GroupID: "g-kadry"}, {GroupID: "g-zarzad"}}
			s.ModifyOnlyFor = []Ref{{GroupID: "g-dyrektorzy"}}
		}
		for j := 0; j < 10; j++ {
			fs := FieldSettings{Key: fmt.Sprintf("field%d", j), Settings: Settings{Internal: AsSection, External: AsSection}}
			if j%4 == 0 {
				fs.Exceptions = []StageMode{{Stage: "APPROVAL", Internal: Required}}
			}
			if j%5 == 1 {
				fs.VisibleOnlyFor = []Ref{{GroupID: "g-kadry"}, {UserID: "u-zarzad"}}
			}
			s.Fields = append(s.Fields, fs)
		}
		sections[i] = s
	}
	return NewForm("bench", true, sections, []Grant{{Ref: Ref{GroupID: "g-audit"}, Right: Read}})
}

// BenchmarkDecide30Fields: the rights and all modes of a 30-field case for one principal (target:
// under 2 µs).
func BenchmarkDecide30Fields(b *testing.B) {
	f := benchForm()
	p := &Principal{Kind: KindInternal, UserID: "u-kadry", Groups: []string{"g-kadry", "g-sales", "g-all"},
		PositionRights: []PositionRight{{Path: "/a/b/", IncludeSubtree: true}}}
	c := &Case{ID: "c1", Stage: "APPROVAL", CreatorID: "u-other", Assignees: []string{"u-kadry", "u-x"},
		PastAssignees: []string{"u-y"}, ACL: []ACLEntry{{Ref: Ref{GroupID: "g-x"}, Right: Write}},
		PositionPath: "/a/b/c/", ClientID: "cl-1"}
	b.ReportAllocs()
	for b.Loop() {
		d := Decide(p, c, f)
		if d.Right != Write {
			b.Fatal(d.Right)
		}
	}
}
