package access

import (
	"slices"
	"testing"
	"time"
)

// TestTemporaryRights is the temporary-access rule: the one case, at the grant's stages, inside the
// window; nothing through any other rule, whatever the case's facts name.
func TestTemporaryRights(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	grant := func(mods ...func(*TemporaryAccess)) *Principal {
		g := &TemporaryAccess{GrantID: "g1", CaseID: "c1", Stages: []string{"CANDIDATE_DATA"},
			ValidFrom: at.Add(-time.Hour), ValidUntil: at.Add(time.Hour)}
		for _, m := range mods {
			m(g)
		}
		return &Principal{Kind: KindTemporary, GrantID: g.GrantID, At: at, Temporary: g}
	}
	open := &Case{ID: "c1", Stage: "CANDIDATE_DATA"}
	for _, tc := range []struct {
		name  string
		p     *Principal
		c     *Case
		right Right
	}{
		{"its case at its stage", grant(), open, Write},
		{"another case", grant(), &Case{ID: "c2", Stage: "CANDIDATE_DATA"}, NoRight},
		{"its case at another stage", grant(), &Case{ID: "c1", Stage: "HR_REVIEW"}, NoRight},
		{"window not open yet", grant(func(g *TemporaryAccess) { g.ValidFrom = at.Add(time.Minute) }), open, NoRight},
		{"window closed at the second", grant(func(g *TemporaryAccess) { g.ValidUntil = at }), open, NoRight},
		{"window opens at the second", grant(func(g *TemporaryAccess) { g.ValidFrom = at }), open, Write},
		{"no grant loaded", &Principal{Kind: KindTemporary, At: at}, open, NoRight},
		// A temporary session has no user: entries naming nobody do not match it.
		{"empty creator and ACL entries", &Principal{Kind: KindTemporary, At: at},
			&Case{ID: "c1", Stage: "CANDIDATE_DATA", ACL: []ACLEntry{{Right: Manage}}, Participants: []Participant{{}}}, NoRight},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RightsOn(tc.p, tc.c, NewForm("p", true, nil, nil))
			if got.Right != tc.right {
				t.Fatalf("right = %s %v, want %s", got.Right, got.GrantedBy, tc.right)
			}
			if tc.right > NoRight && !slices.Equal(got.GrantedBy, []string{RuleTemporaryGrant}) {
				t.Fatalf("grantedBy = %v", got.GrantedBy)
			}
		})
	}
}

// TestTemporaryUsesExternalModes: the form is shown with the external modes (a temporary person is
// an outsider), and a hidden external section stays hidden for the person even though it has WRITE
// on the case.
func TestTemporaryUsesExternalModes(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := &Principal{Kind: KindTemporary, At: at, Temporary: &TemporaryAccess{CaseID: "c1", Stages: []string{"S"},
		ValidFrom: at.Add(-time.Hour), ValidUntil: at.Add(time.Hour)}}
	f := NewForm("p", true, []SectionSettings{
		{Key: "personal", Settings: Settings{Internal: ReadOnly, External: Modify},
			Fields: []FieldSettings{{Key: "address", Settings: Settings{Internal: AsSection, External: AsSection,
				Exceptions: []StageMode{{Stage: "S", External: Required}}}}}},
		{Key: "hr", Settings: Settings{Internal: Modify, External: Hidden},
			Fields: []FieldSettings{{Key: "notes", Settings: Settings{Internal: AsSection, External: Modify}}}},
	}, nil)
	d := Decide(p, &Case{ID: "c1", Stage: "S"}, f)
	if got := d.Field(0, 0); got != Required {
		t.Errorf("personal.address = %s, want REQUIRED (external stage exception)", got)
	}
	if got := d.Field(1, 0); got != Hidden {
		t.Errorf("hr.notes = %s, want HIDDEN (hidden external section)", got)
	}
}

func TestCaseParts(t *testing.T) {
	tmp := &Principal{Kind: KindTemporary, Temporary: &TemporaryAccess{Parts: []Part{PartComments}, Moves: []string{"HR_REVIEW"}}}
	if !CasePart(tmp, PartComments) || CasePart(tmp, PartAttachments) || CasePart(tmp, PartHistory) {
		t.Error("a grant opens exactly its parts")
	}
	if CommentsFor(tmp) != ExternalComments {
		t.Error("COMMENTS gives the external comments")
	}
	if CommentsFor(&Principal{Kind: KindTemporary, Temporary: &TemporaryAccess{}}) != NoComments {
		t.Error("without COMMENTS a temporary session reads no comments")
	}
	if !MayMoveTo(tmp, "HR_REVIEW") || MayMoveTo(tmp, "DONE") {
		t.Error("a temporary session moves only to its grant's stages")
	}
	if MayShareCase(tmp).Allowed || !MayShareCase(&Principal{Kind: KindInternal}).Allowed {
		t.Error("a temporary session shares nothing; an employee with WRITE may")
	}
	own := &Principal{Kind: KindTemporary, GrantID: "g1", Temporary: &TemporaryAccess{GrantID: "g1"}}
	if !MayChangeAttachment(own, "g1", "") || MayChangeAttachment(own, "", "") || MayChangeAttachment(own, "g2", "") {
		t.Error("a temporary session changes only its own grant's uploads")
	}
	if guest := (&Principal{Kind: KindExternal, UserID: "guest"}); !MayChangeAttachment(guest, "", "guest") ||
		MayChangeAttachment(guest, "", "employee") || MayChangeAttachment(guest, "", "") || MayChangeAttachment(&Principal{Kind: KindExternal}, "", "") {
		t.Error("a guest changes only the files its account uploaded")
	}
	if guest := (&Principal{Kind: KindExternal}); CasePart(guest, PartHistory) || !CasePart(guest, PartAttachments) || !CasePart(guest, PartComments) {
		t.Error("a guest sees a case's comments and attachments (those shared with it), not its history")
	}
	if !SeesGrantEmail(own, "g1") || SeesGrantEmail(own, "g2") || SeesGrantEmail(&Principal{Kind: KindExternal}, "g1") {
		t.Error("an outsider sees only its own grant's e-mail")
	}
	emp := &Principal{Kind: KindInternal, UserID: "u"}
	if !CasePart(emp, PartHistory) || !MayMoveTo(emp, "DONE") || !SeesOrganisation(emp) || SeesOrganisation(tmp) || !MayChangeAttachment(emp, "", "") || !SeesGrantEmail(emp, "g1") {
		t.Error("employees are not limited by grants")
	}
	if CasePart(nil, PartHistory) || SeesOrganisation(nil) {
		t.Error("nobody sees nothing")
	}
}

func TestAttachmentVisibility(t *testing.T) {
	yes, no := true, false
	tmp := &Principal{Kind: KindTemporary}
	emp := &Principal{Kind: KindInternal}
	for _, tc := range []struct {
		p              *Principal
		asked          *bool
		want           bool
		seesShared     bool
		seesInternalOf bool
	}{
		{emp, nil, false, true, true},
		{emp, &yes, true, true, true},
		{tmp, &no, true, true, false},
		{&Principal{Kind: KindExternal}, nil, true, true, false},
	} {
		if got := AttachmentVisibility(tc.p, tc.asked); got != tc.want {
			t.Errorf("%s asking %v: visible %v, want %v", tc.p.Kind, tc.asked, got, tc.want)
		}
		if AttachmentVisible(tc.p, true) != tc.seesShared || AttachmentVisible(tc.p, false) != tc.seesInternalOf {
			t.Errorf("%s sees the wrong attachments", tc.p.Kind)
		}
	}
	if AttachmentVisible(nil, true) {
		t.Error("nobody sees nothing")
	}
}
