package access

import (
	"slices"
	"testing"
)

// TestCaseRightsTable is the case rules as a table: each row gives one principal exactly one rule,
// and the villain, who matches no rule, gets nothing from any of the cases.
func TestCaseRightsTable(t *testing.T) {
	me := func(mods ...func(*Principal)) *Principal {
		p := &Principal{Kind: KindInternal, UserID: "me", NativeUserID: "me", Groups: []string{"g-mine"}}
		for _, m := range mods {
			m(p)
		}
		return p
	}
	keep := NewForm("p", true, nil, nil)
	drop := NewForm("p", false, nil, nil)
	for _, tc := range []struct {
		name  string
		p     *Principal
		c     *Case
		f     *Form
		right Right
		rules []string
	}{
		{"admin", me(func(p *Principal) { p.Permissions = []Permission{PermAdmin} }), &Case{}, keep, Manage, []string{RuleAdmin}},
		{"creator", me(), &Case{CreatorID: "me"}, keep, Read, []string{RuleCreator}},
		{"assignee", me(), &Case{Assignees: []string{"me"}}, keep, Write, []string{RuleAssignee}},
		{"past assignee keeps access (AMODIT)", me(), &Case{PastAssignees: []string{"me"}}, keep, Read, []string{RulePastAssignee}},
		// keepAccessAfterTask false is the Ready_ behaviour: the task ended, and so did access.
		{"past assignee loses access (Ready_)", me(), &Case{PastAssignees: []string{"me"}}, drop, NoRight, nil},
		{"ACL for the user", me(), &Case{ACL: []ACLEntry{{Ref: Ref{UserID: "me"}, Right: Manage}}}, keep, Manage, []string{RuleCaseACL}},
		{"ACL for a group", me(), &Case{ACL: []ACLEntry{{Ref: Ref{GroupID: "g-mine"}, Right: Write}}}, keep, Write, []string{RuleCaseACL}},
		// An entry for a contact never applies to an employee.
		{"ACL for a contact", me(), &Case{ACL: []ACLEntry{{ContactID: "me", Right: Manage}}}, keep, NoRight, nil},
		{"procedure grant", me(), &Case{}, NewForm("p", true, nil, []Grant{{Ref: Ref{GroupID: "g-mine"}, Right: Read}}), Read, []string{RuleProcedure}},
		{"position", me(func(p *Principal) { p.PositionRights = []PositionRight{{Path: "/a/", IncludeSubtree: true}} }),
			&Case{PositionPath: "/a/b/"}, keep, Read, []string{RulePosition}},
		{"position without the subtree", me(func(p *Principal) { p.PositionRights = []PositionRight{{Path: "/a/"}} }),
			&Case{PositionPath: "/a/b/"}, keep, NoRight, nil},
		{"client-data group", me(func(p *Principal) { p.Groups = append(p.Groups, ClientDataGroupID) }), &Case{ClientID: "cl"}, keep, Read, []string{RuleClientData}},
		{"client grant", me(func(p *Principal) { p.ClientGrants = []string{"cl"} }), &Case{ClientID: "cl"}, keep, Read, []string{RuleClientData}},
		// The client-data group gives nothing on a case without a client.
		{"client-data group, no client", me(func(p *Principal) { p.Groups = append(p.Groups, ClientDataGroupID) }), &Case{}, keep, NoRight, nil},
		{"participant", me(), &Case{Participants: []Participant{{UserID: "me", Role: "AUDITOR"}}}, keep, Read, []string{RuleParticipant}},
		{"several rules", me(), &Case{CreatorID: "me", Assignees: []string{"me"}}, keep, Write, []string{RuleCreator, RuleAssignee}},
		{"system", System(), &Case{}, keep, Manage, []string{RuleSystem}},
		{"anonymous", nil, &Case{CreatorID: ""}, keep, NoRight, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RightsOn(tc.p, tc.c, tc.f)
			if got.Right != tc.right || !slices.Equal(got.GrantedBy, tc.rules) {
				t.Errorf("got %s %v, want %s %v", got.Right, got.GrantedBy, tc.right, tc.rules)
			}
			if v := RightsOn(villain, tc.c, tc.f); v.Right != NoRight {
				t.Errorf("villain got %s through %v", v.Right, v.GrantedBy)
			}
		})
	}
}

// TestExternalRights: a guest gets rights only through its contact (assignment, participation, ACL
// naming the contact), never through groups, positions, procedures or client data.
func TestExternalRights(t *testing.T) {
	guest := &Principal{Kind: KindExternal, UserID: "gu", ContactID: "co", Groups: []string{"g", ClientDataGroupID},
		Permissions: []Permission{PermAdmin}, PositionRights: []PositionRight{{Path: "/a/"}}, ClientGrants: []string{"cl"}}
	f := NewForm("p", true, nil, []Grant{{Ref: Ref{GroupID: "g"}, Right: Manage}})
	nothing := &Case{ACL: []ACLEntry{{Ref: Ref{GroupID: "g"}, Right: Manage}}, PositionPath: "/a/", ClientID: "cl", CreatorID: "gu"}
	if r := RightsOn(guest, nothing, f); r.Right != NoRight {
		t.Fatalf("guest got %s through %v", r.Right, r.GrantedBy)
	}
	for name, c := range map[string]*Case{
		"ACL naming the contact": {ACL: []ACLEntry{{ContactID: "co", Right: Read}}},
		"participant":            {Participants: []Participant{{ContactID: "co", Role: "PARTICIPANT"}}},
		"assignee":               {Assignees: []string{"gu"}},
	} {
		if r := RightsOn(guest, c, f); r.Right == NoRight {
			t.Errorf("%s: guest got nothing", name)
		}
	}
	if r := RightsOn(&Principal{Kind: KindTemporary, GrantID: "g"}, &Case{Assignees: []string{""}}, f); r.Right != NoRight {
		t.Fatalf("a temporary session got %s without a grant rule", r.Right)
	}
}

func TestExplainFollowsDecide(t *testing.T) {
	f := oneField(Settings{Internal: Modify, Exceptions: []StageMode{{Stage: "HR", Internal: ReadOnly}}},
		Settings{Internal: AsSection, VisibleOnlyFor: []Ref{{GroupID: "g-kadry"}}, ModifyOnlyFor: []Ref{{GroupID: "g-dyrektorzy"}}})
	c := &Case{Stage: "HR", Assignees: assignedTo}
	for _, who := range []*Principal{kadry, dyrektor, villain} {
		e := Explain(who, c, f, 0, 0)
		if want := Decide(who, c, f).Field(0, 0); e.Mode != want {
			t.Errorf("%s: explain says %s, decide %s", who.UserID, e.Mode, want)
		}
		if len(e.Steps) < 3 || e.Steps[0].Layer != "CASE" {
			t.Errorf("%s: steps %+v", who.UserID, e.Steps)
		}
	}
	e := Explain(villain, c, f, 0, 0)
	last := e.Steps[len(e.Steps)-1]
	if last.Layer != "LISTS" || last.Value != "HIDDEN" {
		t.Errorf("the villain's last step should be the list that hides it: %+v", last)
	}
	if e := Explain(villain, &Case{Stage: "HR"}, f, 0, 0); e.Mode != Hidden || len(e.Steps) != 2 {
		t.Errorf("no read right: %+v", e)
	}
}
