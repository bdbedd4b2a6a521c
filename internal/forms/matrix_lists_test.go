package forms

import (
	"slices"
	"testing"

	"github.com/casegate/casegate/internal/access"
)

func TestCheckListsNamesEveryBadList(t *testing.T) {
	proc := benchProcedure()
	const u, g = "5b2f6d1e-8c3a-4f7e-9a10-2d4c6e8f0a1b", "6c3a7e2f-9d4b-4a8f-8b21-3e5d7f9a1b2c"
	refs := func(r ...access.Ref) *[]access.Ref { return &r }
	bad := &problems{}
	checkLists(proc, []MatrixList{
		{Target: "s0.f0", VisibleOnlyFor: refs(access.Ref{UserID: u}), ModifyOnlyFor: refs()}, // good
		{Target: "s1", VisibleOnlyFor: refs(access.Ref{GroupID: g})},                          // good: sections have lists
		{Target: "s9.f0", VisibleOnlyFor: refs()},
		{Target: "s0.f0", VisibleOnlyFor: refs()},
		{Target: "s2"},
		{Target: "s2.f1", ModifyOnlyFor: refs(access.Ref{UserID: u, GroupID: g}, access.Ref{GroupID: "x"}, access.Ref{GroupID: g}, access.Ref{GroupID: g})},
	}, bad)
	want := []string{"s9.f0:visibleOnlyFor", "s0.f0:visibleOnlyFor", "s2", "s2.f1:modifyOnlyFor", "s2.f1:modifyOnlyFor", "s2.f1:modifyOnlyFor"}
	if !slices.Equal(bad.cells, want) {
		t.Errorf("cells = %v, want %v (reasons %v)", bad.cells, want, bad.reasons)
	}
	if bad.inChanges || !bad.inLists {
		t.Errorf("only lists are bad: %+v", bad)
	}
}

func TestApplyListSetsKeepsAndClears(t *testing.T) {
	proc := benchProcedure()
	a, b := access.Ref{UserID: "a"}, access.Ref{GroupID: "b"}
	st := snapshot{}
	applyList(proc, st, MatrixList{Target: "s0.f1", VisibleOnlyFor: &[]access.Ref{a, b}, ModifyOnlyFor: &[]access.Ref{b}})
	applyList(proc, st, MatrixList{Target: "s0", ModifyOnlyFor: &[]access.Ref{a}})
	if cells := diffCells(proc, snapshot{}, st); !slices.Equal(cells, []string{"s0:modifyOnlyFor", "s0.f1:visibleOnlyFor", "s0.f1:modifyOnlyFor"}) {
		t.Errorf("cells = %v", cells)
	}
	before := st.clone()
	// A list left out is kept; an empty one clears.
	applyList(proc, st, MatrixList{Target: "s0.f1", VisibleOnlyFor: &[]access.Ref{}})
	if o := st["s0.f1"]; o.VisibleOnlyFor != nil || o.ModifyOnlyFor == nil || len(*o.ModifyOnlyFor) != 1 {
		t.Errorf("after clearing visibleOnlyFor: %+v", o)
	}
	if cells := diffCells(proc, before, st); !slices.Equal(cells, []string{"s0.f1:visibleOnlyFor"}) {
		t.Errorf("cells = %v", cells)
	}
	// The same list again changes nothing; clearing every list drops the override.
	before = st.clone()
	applyList(proc, st, MatrixList{Target: "s0", ModifyOnlyFor: &[]access.Ref{a}})
	if cells := diffCells(proc, before, st); len(cells) != 0 {
		t.Errorf("the same list again: cells %v", cells)
	}
	applyList(proc, st, MatrixList{Target: "s0.f1", ModifyOnlyFor: &[]access.Ref{}})
	applyList(proc, st, MatrixList{Target: "s0", ModifyOnlyFor: &[]access.Ref{}})
	if len(st) != 0 {
		t.Errorf("overrides left: %+v", st)
	}
}
