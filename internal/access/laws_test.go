package access

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Small pools make collisions (a principal named in a list, a stage with an exception) likely.
var (
	userPool  = []string{"u1", "u2", "u3"}
	groupPool = []string{"g1", "g2", ClientDataGroupID}
	stagePool = []string{"A", "B", "C"}
	casePool  = []string{"c1", "c2"}
	modes     = []Mode{Required, Modify, ReadOnly, Hidden}
)

var genRef = rapid.Custom(func(t *rapid.T) Ref {
	if rapid.Bool().Draw(t, "isUser") {
		return Ref{UserID: rapid.SampledFrom(userPool).Draw(t, "user")}
	}
	return Ref{GroupID: rapid.SampledFrom(groupPool).Draw(t, "group")}
})

func genRefs(t *rapid.T, label string) []Ref {
	return rapid.SliceOfN(genRef, 0, 2).Draw(t, label)
}

func genSettings(t *rapid.T, field bool) Settings {
	base := modes
	if field {
		base = append([]Mode{AsSection}, modes...)
	}
	optional := append([]Mode{ModeUnset}, base...)
	return Settings{
		Internal: rapid.SampledFrom(base).Draw(t, "internal"),
		External: rapid.SampledFrom(base).Draw(t, "external"),
		Exceptions: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) StageMode {
			return StageMode{Stage: rapid.SampledFrom(stagePool).Draw(t, "stage"),
				Internal: rapid.SampledFrom(optional).Draw(t, "exIn"), External: rapid.SampledFrom(optional).Draw(t, "exEx")}
		}), 0, 2).Draw(t, "exceptions"),
		VisibleOnlyFor: genRefs(t, "visible"),
		ModifyOnlyFor:  genRefs(t, "modify"),
	}
}

func genForm(t *rapid.T) *Form {
	sections := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) SectionSettings {
		s := SectionSettings{Key: rapid.StringMatching(`s[a-z]{2}`).Draw(t, "skey"), Settings: genSettings(t, false)}
		s.Fields = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) FieldSettings {
			return FieldSettings{Key: rapid.StringMatching(`f[a-z]{2}`).Draw(t, "fkey"), Settings: genSettings(t, true)}
		}), 1, 4).Draw(t, "fields")
		return s
	}), 1, 3).Draw(t, "sections")
	grants := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Grant {
		return Grant{Ref: genRef.Draw(t, "grantee"), Right: rapid.SampledFrom([]Right{Read, Manage}).Draw(t, "gright")}
	}), 0, 1).Draw(t, "grants")
	return NewForm("p", rapid.Bool().Draw(t, "keep"), sections, grants)
}

func genPrincipal(t *rapid.T) *Principal {
	kind := rapid.SampledFrom([]Kind{KindInternal, KindInternal, KindExternal, KindTemporary}).Draw(t, "kind")
	if kind == KindTemporary {
		return genTemporary(t)
	}
	p := &Principal{Kind: kind, UserID: rapid.SampledFrom(userPool).Draw(t, "me"),
		Groups: rapid.SliceOfNDistinct(rapid.SampledFrom(groupPool), 0, 2, rapid.ID[string]).Draw(t, "groups")}
	if rapid.IntRange(0, 5).Draw(t, "admin") == 0 {
		p.Permissions = []Permission{PermAdmin}
	}
	return p
}

// genTemporary is a temporary-access session: no user or groups, a grant for one of the cases at
// some stages, its window open or not at the request's time.
func genTemporary(t *rapid.T) *Principal {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	from := at.Add(time.Duration(rapid.IntRange(-3, 1).Draw(t, "fromH")) * time.Hour)
	return &Principal{Kind: KindTemporary, GrantID: "grant", At: at, Temporary: &TemporaryAccess{
		GrantID: "grant", CaseID: rapid.SampledFrom(casePool).Draw(t, "grantCase"),
		Stages:    rapid.SliceOfNDistinct(rapid.SampledFrom(stagePool), 0, 2, rapid.ID[string]).Draw(t, "grantStages"),
		ValidFrom: from, ValidUntil: from.Add(time.Duration(rapid.IntRange(1, 4).Draw(t, "lengthH")) * time.Hour)}}
}

func genCase(t *rapid.T, f *Form) *Case {
	c := &Case{ID: rapid.SampledFrom(casePool).Draw(t, "case"), Stage: rapid.SampledFrom(stagePool).Draw(t, "cstage"),
		CreatorID:     rapid.SampledFrom(userPool).Draw(t, "creator"),
		Assignees:     rapid.SliceOfN(rapid.SampledFrom(userPool), 0, 2).Draw(t, "assignees"),
		PastAssignees: rapid.SliceOfN(rapid.SampledFrom(userPool), 0, 1).Draw(t, "past")}
	if rapid.Bool().Draw(t, "hasOverride") {
		si := rapid.IntRange(0, len(f.Sections)-1).Draw(t, "osi")
		o := Override{Section: f.Sections[si].Key, Mode: rapid.SampledFrom(modes).Draw(t, "omode")}
		if rapid.Bool().Draw(t, "onField") {
			o.Field = f.Sections[si].Fields[0].Key
		}
		c.Overrides = []Override{o}
	}
	return c
}

// openness orders modes by how much they allow.
func openness(m Mode) int {
	switch m {
	case Hidden:
		return 0
	case ReadOnly:
		return 1
	default:
		return 2
	}
}

func TestLawHiddenSectionHidesEveryField(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p, c := genPrincipal(t), genCase(t, genForm(t))
		c.Overrides = nil
		d := Decide(p, c, f)
		for si, s := range f.Sections {
			if d.Sections[si] != Hidden {
				continue
			}
			for fi := range s.Fields {
				if d.Field(si, fi) != Hidden {
					t.Fatalf("section %d is hidden but field %d is %s", si, fi, d.Field(si, fi))
				}
			}
		}
	})
}

func TestLawWithoutWriteNothingIsWritable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p, c := genPrincipal(t), genCase(t, f)
		d := Decide(p, c, f)
		if d.Right >= Write {
			return
		}
		for si, s := range f.Sections {
			if d.Sections[si].Writable() {
				t.Fatalf("right %s but section %d is %s", d.Right, si, d.Sections[si])
			}
			for fi := range s.Fields {
				if d.Field(si, fi).Writable() {
					t.Fatalf("right %s but field %d.%d is %s", d.Right, si, fi, d.Field(si, fi))
				}
			}
		}
	})
}

func TestLawAddingToModifyOnlyForNeverLowers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p, c := genPrincipal(t), genCase(t, f)
		si := rapid.IntRange(0, len(f.Sections)-1).Draw(t, "si")
		fi := rapid.IntRange(-1, len(f.Sections[si].Fields)-1).Draw(t, "fi") // -1: the section's list
		before := Decide(p, c, f)
		g := cloneForm(f)
		target := &g.Sections[si].Settings
		if fi >= 0 {
			target = &g.Sections[si].Fields[fi].Settings
		}
		if p.UserID == "" {
			t.Skip("a temporary session has no user to name in a list")
		}
		target.ModifyOnlyFor = append(target.ModifyOnlyFor, Ref{UserID: p.UserID})
		after := Decide(p, c, g)
		assertNoLower(t, f, before, after)
	})
}

// TestLawRemovingAListNeverHidesMore removes visibleOnlyFor, or both lists. (Removing modifyOnlyFor
// alone may hide: by the restrict table, being in modifyOnlyFor is what lets Dyrektorzy see the
// seed's requested salary although visibleOnlyFor names only Kadry and Zarząd.)
func TestLawRemovingAListNeverHidesMore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p, c := genPrincipal(t), genCase(t, f)
		si := rapid.IntRange(0, len(f.Sections)-1).Draw(t, "si")
		fi := rapid.IntRange(-1, len(f.Sections[si].Fields)-1).Draw(t, "fi")
		which := rapid.SampledFrom([]string{"visible", "both"}).Draw(t, "list")
		before := Decide(p, c, f)
		g := cloneForm(f)
		target := &g.Sections[si].Settings
		if fi >= 0 {
			target = &g.Sections[si].Fields[fi].Settings
		}
		target.VisibleOnlyFor = nil
		if which == "both" {
			target.ModifyOnlyFor = nil
		}
		after := Decide(p, c, g)
		for i, s := range f.Sections {
			for j := range s.Fields {
				if before.Field(i, j) != Hidden && after.Field(i, j) == Hidden {
					t.Fatalf("removing %s list hid field %d.%d", which, i, j)
				}
			}
		}
	})
}

func TestLawReadOnlyPrincipalNeverModifies(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		// A principal whose only rule is a READ one (creator, past assignee, participant).
		p := &Principal{Kind: KindInternal, UserID: "reader"}
		c := genCase(t, f)
		c.Assignees = nil
		switch rapid.IntRange(0, 2).Draw(t, "rule") {
		case 0:
			c.CreatorID = "reader"
		case 1:
			c.PastAssignees, f.KeepAccessAfterTask = []string{"reader"}, true
		default:
			c.Participants = []Participant{{UserID: "reader", Role: "AUDITOR"}}
		}
		d := Decide(p, c, f)
		if d.Right != Read {
			t.Fatalf("right %s, want READ", d.Right)
		}
		for i, s := range f.Sections {
			for j := range s.Fields {
				if d.Field(i, j).Writable() {
					t.Fatalf("READ-only principal gets %s on %d.%d", d.Field(i, j), i, j)
				}
			}
		}
	})
}

// TestLawFieldsAreIndependent: a field's mode depends on its own and its section's settings, never
// on another field's (and the engine takes no values at all, so never on another field's value).
func TestLawFieldsAreIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p, c := genPrincipal(t), genCase(t, f)
		si := rapid.IntRange(0, len(f.Sections)-1).Draw(t, "si")
		if len(f.Sections[si].Fields) < 2 {
			return
		}
		before := Decide(p, c, f)
		g := cloneForm(f)
		g.Sections[si].Fields[1].Settings = genSettings(t, true)
		if c.Overrides != nil && c.Overrides[0].Field == g.Sections[si].Fields[1].Key {
			c.Overrides = nil
			before = Decide(p, c, f)
		}
		if after := Decide(p, c, g); after.Field(si, 0) != before.Field(si, 0) {
			t.Fatalf("field 0 changed from %s to %s when field 1's settings changed", before.Field(si, 0), after.Field(si, 0))
		}
	})
}

func assertNoLower(t *rapid.T, f *Form, before, after *CaseDecision) {
	for i, s := range f.Sections {
		if openness(after.Sections[i]) < openness(before.Sections[i]) {
			t.Fatalf("section %d went from %s to %s", i, before.Sections[i], after.Sections[i])
		}
		for j := range s.Fields {
			if openness(after.Field(i, j)) < openness(before.Field(i, j)) {
				t.Fatalf("field %d.%d went from %s to %s", i, j, before.Field(i, j), after.Field(i, j))
			}
		}
	}
}

func cloneForm(f *Form) *Form {
	sections := make([]SectionSettings, len(f.Sections))
	for i, s := range f.Sections {
		sections[i] = s
		sections[i].Settings = cloneSettings(s.Settings)
		sections[i].Fields = make([]FieldSettings, len(s.Fields))
		for j, fs := range s.Fields {
			sections[i].Fields[j] = FieldSettings{Key: fs.Key, Settings: cloneSettings(fs.Settings)}
		}
	}
	return NewForm(f.Procedure, f.KeepAccessAfterTask, sections, f.Grants)
}

func cloneSettings(s Settings) Settings {
	s.VisibleOnlyFor = append([]Ref(nil), s.VisibleOnlyFor...)
	s.ModifyOnlyFor = append([]Ref(nil), s.ModifyOnlyFor...)
	s.Exceptions = append([]StageMode(nil), s.Exceptions...)
	return s
}
