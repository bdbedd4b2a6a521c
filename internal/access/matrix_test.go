package access

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestMatrixCellsSources(t *testing.T) {
	stages := []string{"DRAFT", "APPROVAL"}
	section := Settings{Internal: Modify, External: Hidden, Exceptions: []StageMode{{Stage: "APPROVAL", Internal: ReadOnly}}}
	secCells := MatrixCells(stages, &section, Origin{External: true}, nil)
	for _, tc := range []struct {
		name  string
		field Settings
		admin Origin
		sec   []MatrixCell
		i     int // cell index: stage*2 + external
		want  MatrixCell
	}{
		{"section base from the schema", section, Origin{}, nil, 0,
			MatrixCell{Stage: "DRAFT", Configured: Modify, Mode: Modify, Source: SourceSchema}},
		{"section base an administrator set", section, Origin{External: true}, nil, 1,
			MatrixCell{Stage: "DRAFT", External: true, Configured: Hidden, Mode: Hidden, Source: SourceAdmin}},
		{"section stage exception", section, Origin{Internal: true}, nil, 2,
			MatrixCell{Stage: "APPROVAL", Configured: ReadOnly, Mode: ReadOnly, Source: SourceStageException}},
		{"exception for the other audience leaves the base", section, Origin{}, nil, 3,
			MatrixCell{Stage: "APPROVAL", External: true, Configured: Hidden, Mode: Hidden, Source: SourceSchema}},
		{"field AS_SECTION takes the section's mode", Settings{Internal: AsSection, External: AsSection}, Origin{}, secCells, 2,
			MatrixCell{Stage: "APPROVAL", Configured: AsSection, Mode: ReadOnly, Source: SourceSection}},
		{"field in a hidden section is hidden", Settings{Internal: Required, External: Required}, Origin{}, secCells, 1,
			MatrixCell{Stage: "DRAFT", External: true, Configured: Required, Mode: Hidden, Source: SourceSection}},
		{"field's own mode from an administrator", Settings{Internal: Required, External: AsSection}, Origin{Internal: true}, secCells, 0,
			MatrixCell{Stage: "DRAFT", Configured: Required, Mode: Required, Source: SourceAdmin}},
		{"field's stage exception over AS_SECTION", Settings{Internal: AsSection, External: AsSection,
			Exceptions: []StageMode{{Stage: "APPROVAL", Internal: Required}}}, Origin{}, secCells, 2,
			MatrixCell{Stage: "APPROVAL", Configured: Required, Mode: Required, Source: SourceStageException}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells := MatrixCells(stages, &tc.field, tc.admin, tc.sec)
			if len(cells) != 4 {
				t.Fatalf("%d cells, want 4", len(cells))
			}
			if got := cells[tc.i]; got != tc.want {
				t.Errorf("cell %d = %+v, want %+v", tc.i, got, tc.want)
			}
		})
	}
}

func TestRequiredInHiddenNamesEachCell(t *testing.T) {
	f := NewForm("p", true, []SectionSettings{{Key: "s", Settings: Settings{Internal: Hidden, External: Hidden,
		Exceptions: []StageMode{{Stage: "B", Internal: Modify}}},
		Fields: []FieldSettings{
			{Key: "req", Settings: Settings{Internal: Required, External: AsSection}},
			{Key: "as", Settings: Settings{Internal: AsSection, External: AsSection}},
		}}}, nil)
	got := RequiredInHidden(f, Matrix(f, []string{"A", "B"}, func(int, int) Origin { return Origin{} }))
	want := []string{"s.req@A/INTERNAL"} // at B the section is MODIFY internally; externally the field is AS_SECTION
	if !slices.Equal(got, want) {
		t.Errorf("RequiredInHidden = %v, want %v", got, want)
	}
	if got := NewCells([]string{"x", "y"}, []string{"y", "z"}); !slices.Equal(got, []string{"z"}) {
		t.Errorf("NewCells = %v, want [z]", got)
	}
	if CellName("s.f", "", true) != "s.f@*/EXTERNAL" {
		t.Errorf("CellName of a base = %q", CellName("s.f", "", true))
	}
}

// TestLawMatrixAgreesWithDecide: a cell's mode is what Decide gives, at that stage and for that
// audience, to a principal who may write the case and whom no list concerns, on a case without
// workflow overrides. The matrix is the configuration, read the way the engine reads it.
func TestLawMatrixAgreesWithDecide(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		for si := range f.Sections {
			f.Sections[si].VisibleOnlyFor, f.Sections[si].ModifyOnlyFor = nil, nil
			for fi := range f.Sections[si].Fields {
				f.Sections[si].Fields[fi].VisibleOnlyFor, f.Sections[si].Fields[fi].ModifyOnlyFor = nil, nil
			}
		}
		rows := Matrix(f, stagePool, func(int, int) Origin { return Origin{} })
		internal := &Principal{Kind: KindInternal, UserID: "u1", Permissions: []Permission{PermAdmin}}
		external := &Principal{Kind: KindExternal, UserID: "u2", ContactID: "k1"}
		checked := 0
		for st, stage := range stagePool {
			c := &Case{ID: "c1", Stage: stage, CreatorID: "u9"}
			for a, p := range []*Principal{internal, external} {
				d := Decide(p, c, f)
				if d.Right < Write {
					d = Decide(p, &Case{ID: "c1", Stage: stage, CreatorID: "u9", Assignees: []string{p.UserID}}, f)
				}
				if d.Right < Write {
					continue // read-only caps the modes; the admin (internal) always writes
				}
				checked++
				for _, r := range rows {
					got := r.Cells[st*2+a]
					want := d.Sections[r.SI]
					if r.FI >= 0 {
						want = d.Field(r.SI, r.FI)
					}
					if got.Mode != want || got.Mode == AsSection {
						t.Fatalf("row %d.%d at %s for %s: matrix %s, Decide %s", r.SI, r.FI, stage, AudienceName(a == 1), got.Mode, want)
					}
				}
			}
		}
		if checked == 0 {
			t.Fatalf("no principal could write the case: the law checked nothing")
		}
	})
}
