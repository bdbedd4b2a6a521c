package forms

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// MatrixList sets the visibleOnlyFor / modifyOnlyFor lists of a section or field in a
// setAccessMatrix call: a nil list keeps its value, an empty one clears it. Sections have lists
// too (the engine restricts a section's fields by them), so Target may be either.
type MatrixList struct {
	Target         string
	VisibleOnlyFor *[]access.Ref
	ModifyOnlyFor  *[]access.Ref
}

// ListName names a list as a cell of revisions and errors: "target:visibleOnlyFor".
func ListName(target, list string) string { return target + ":" + list }

// given is the entry's lists that are set, by API name, in a fixed order.
func (l MatrixList) given() []namedRefs {
	var out []namedRefs
	if l.VisibleOnlyFor != nil {
		out = append(out, namedRefs{"visibleOnlyFor", *l.VisibleOnlyFor})
	}
	if l.ModifyOnlyFor != nil {
		out = append(out, namedRefs{"modifyOnlyFor", *l.ModifyOnlyFor})
	}
	return out
}

type namedRefs struct {
	name string
	refs []access.Ref
}

// problems collects every bad cell or list of one setAccessMatrix call, so that all are named in
// one BAD_USER_INPUT.
type problems struct {
	cells, reasons []string
	inLists        bool // a list is bad (the error's field is "lists" when nothing else is)
	inChanges      bool
}

func (p *problems) change(cell, reason string) {
	p.cells, p.reasons, p.inChanges = append(p.cells, cell), append(p.reasons, reason), true
}

func (p *problems) list(cell, reason string) {
	p.cells, p.reasons, p.inLists = append(p.cells, cell), append(p.reasons, reason), true
}

func (p *problems) err() error {
	if len(p.cells) == 0 {
		return nil
	}
	field := "changes"
	if !p.inChanges {
		field = "lists"
	}
	return badCells(field, p.cells, p.reasons)
}

// checkLists validates list entries on their own and against each other: the target exists, each
// list is set once per target, an entry sets some list, and every principal names exactly one user
// or group by a well-formed id, once. Whether those users and groups exist is missingRefs' part.
func checkLists(proc *Procedure, lists []MatrixList, bad *problems) {
	seen := map[string]bool{}
	for _, l := range lists {
		given := l.given()
		if len(given) == 0 {
			bad.list(l.Target, "sets neither visibleOnlyFor nor modifyOnlyFor")
			continue
		}
		t, err := proc.ParseTarget("target", l.Target)
		for _, g := range given {
			cell := ListName(l.Target, g.name)
			if err != nil {
				bad.list(cell, fmt.Sprintf("%s has no section or field %q", proc.Key, l.Target))
				continue
			}
			cell = ListName(t.String(), g.name)
			if seen[cell] {
				bad.list(cell, "set twice")
				continue
			}
			seen[cell] = true
			listed := map[access.Ref]bool{}
			for _, r := range g.refs {
				switch {
				case refProblem(r) != "":
					bad.list(cell, refProblem(r)+" ("+describeRef(r)+")")
				case listed[r]:
					bad.list(cell, describeRef(r)+" listed twice")
				}
				listed[r] = true
			}
		}
	}
}

// refProblem is what is wrong with a principal reference on its face ("" for nothing): the checks
// of setFieldAccess's lists and of procedure grants.
func refProblem(r access.Ref) string {
	if (r.UserID == "") == (r.GroupID == "") {
		return "give exactly one of userId and groupId"
	}
	if !database.ValidUUID(r.UserID + r.GroupID) {
		return "no such user or group" // and no cast error in SQL
	}
	return ""
}

func describeRef(r access.Ref) string {
	switch {
	case r.UserID != "" && r.GroupID != "":
		return fmt.Sprintf("userId %q and groupId %q", r.UserID, r.GroupID)
	case r.UserID != "":
		return fmt.Sprintf("user %s", r.UserID)
	case r.GroupID != "":
		return fmt.Sprintf("group %s", r.GroupID)
	}
	return "an empty entry"
}

// missingRefs names every well-formed user and group of the lists that does not exist, in one
// statement, so that a typo does not silently restrict a field to no one.
func missingRefs(ctx context.Context, db bun.IDB, proc *Procedure, lists []MatrixList, bad *problems) error {
	var userIDs, groupIDs []string
	for _, l := range lists {
		for _, g := range l.given() {
			for _, r := range g.refs {
				if refProblem(r) != "" {
					continue
				}
				if r.UserID != "" {
					userIDs = append(userIDs, r.UserID)
				} else {
					groupIDs = append(groupIDs, r.GroupID)
				}
			}
		}
	}
	if len(userIDs)+len(groupIDs) == 0 {
		return nil
	}
	var found []string
	if err := db.NewRaw(`SELECT 'u' || id FROM users WHERE id = ANY(?::uuid[]) UNION ALL SELECT 'g' || id FROM groups WHERE id = ANY(?::uuid[])`,
		pgdialect.Array(userIDs), pgdialect.Array(groupIDs)).Scan(ctx, &found); err != nil {
		return fmt.Errorf("look up listed users and groups: %w", err)
	}
	exists := make(map[string]bool, len(found))
	for _, f := range found {
		exists[strings.ToLower(f)] = true
	}
	for _, l := range lists {
		cellTarget := l.Target
		if t, err := proc.ParseTarget("target", l.Target); err == nil {
			cellTarget = t.String()
		}
		for _, g := range l.given() {
			reported := map[access.Ref]bool{}
			for _, r := range g.refs {
				if refProblem(r) != "" || reported[r] {
					continue
				}
				reported[r] = true
				if r.UserID != "" && !exists["u"+strings.ToLower(r.UserID)] {
					bad.list(ListName(cellTarget, g.name), "no such user "+r.UserID)
				}
				if r.GroupID != "" && !exists["g"+strings.ToLower(r.GroupID)] {
					bad.list(ListName(cellTarget, g.name), "no such group "+r.GroupID)
				}
			}
		}
	}
	return nil
}

// applyList sets a target's lists in st: an empty list is no list (and an override left with
// nothing is dropped).
func applyList(proc *Procedure, st snapshot, l MatrixList) {
	t, _ := proc.ParseTarget("target", l.Target)
	target := t.String()
	o := st[target]
	set := func(in *[]access.Ref) *[]storedRef {
		if len(*in) == 0 {
			return nil
		}
		r := storeRefs(*in)
		return &r
	}
	if l.VisibleOnlyFor != nil {
		o.VisibleOnlyFor = set(l.VisibleOnlyFor)
	}
	if l.ModifyOnlyFor != nil {
		o.ModifyOnlyFor = set(l.ModifyOnlyFor)
	}
	if o.empty() {
		delete(st, target)
	} else {
		st[target] = o
	}
}

// checkMatrixInput is every check of a setAccessMatrix call that needs no database.
func checkMatrixInput(proc *Procedure, changes []MatrixChange, lists []MatrixList) (*problems, error) {
	if len(changes)+len(lists) == 0 {
		return nil, apperr.Input("changes", "give at least one change or list")
	}
	bad := &problems{}
	checkChanges(proc, changes, bad)
	checkLists(proc, lists, bad)
	return bad, nil
}
