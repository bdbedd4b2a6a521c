package access

import (
	"slices"
	"strings"
	"testing"
)

// TestGuestVisibility is what a guest sees: cases by participation, assignment and ACL
// entries naming its contact, and with guestsSeeCompanyCases its company's cases too; projects of
// its company and projects holding a case it reads. Each case row says whether the guest reads it
// with the setting off and on; the project rows follow from the cases.
func TestGuestVisibility(t *testing.T) {
	const (
		contact, company, guestUser = "co", "acme", "gu"
		otherCompany, otherContact  = "globex", "co-2" // co-2: a colleague of the guest at acme
		group                       = "g"
	)
	guest := func(companyCases bool) *Principal {
		// Groups, positions, client grants and permissions a guest account could be given by
		// mistake: none of them may count.
		return &Principal{Kind: KindExternal, UserID: guestUser, NativeUserID: guestUser, ContactID: contact, CompanyID: company,
			CompanyCases: companyCases, Groups: []string{group, ClientDataGroupID}, ClientGrants: []string{company, otherCompany},
			PositionRights: []PositionRight{{PositionID: "pos", Path: "/pos/", IncludeSubtree: true}}, Permissions: []Permission{PermAdmin}}
	}
	type part int
	const (
		none        part = iota
		participant      // the contact takes part (PARTICIPANT or AUDITOR)
		assignee         // the guest's account holds an active task
		pastTask         // the guest's account held a task that ended
		creator          // the guest's account created the case
	)
	type acl int
	const (
		noACL          acl = iota
		contactEntry       // an entry naming the contact
		colleagueEntry     // an entry naming another contact of its company
		groupEntry         // an entry naming a group the account is (wrongly) in
		userEntry          // an entry naming the account as a user
	)
	f := NewForm("p", true, nil, []Grant{{Ref: Ref{GroupID: group}, Right: Manage}})
	cases := []struct {
		id, project, client string
		part                part
		acl                 acl
		off, on             bool   // the guest reads it with guestsSeeCompanyCases off, on
		rules               string // rules with the setting on
	}{
		{"participant", "p-acme", otherCompany, participant, noACL, true, true, "PARTICIPANT"},
		{"assignee", "p-other", "", assignee, noACL, true, true, "ASSIGNEE"},
		{"acl entry", "p-none", "", none, contactEntry, true, true, "CASE_ACL"},
		{"company case", "p-other", company, none, noACL, false, true, "COMPANY"},
		{"company case without project", "", company, none, noACL, false, true, "COMPANY"},
		{"company case, taking part too", "p-acme", company, participant, noACL, true, true, "PARTICIPANT COMPANY"},
		{"the colleague's case", "p-none", otherContact, none, colleagueEntry, false, false, ""},
		{"another company's case", "p-acme", otherCompany, none, noACL, false, false, ""},
		{"a task that ended", "p-none", "", pastTask, noACL, false, false, ""},
		{"created by its account", "p-none", "", creator, noACL, false, false, ""},
		{"group entry", "p-none", "", none, groupEntry, false, false, ""},
		{"user entry", "p-none", "", none, userEntry, false, false, ""},
		{"position and procedure grant only", "p-none", "", none, noACL, false, false, ""},
		{"company case in another company's project", "p-company-only", company, none, noACL, false, true, "COMPANY"},
	}
	projects := []struct {
		id, counterparty string
		off, on          bool
	}{
		{"p-acme", company, true, true},          // its company's project
		{"p-other", otherCompany, true, true},    // holds the case it is assigned
		{"p-none", "", true, true},               // holds the case whose ACL names it
		{"p-globex", otherCompany, false, false}, // another company's, with no case of its
		{"p-empty", "", false, false},
		{"p-company-only", otherCompany, false, true}, // reached only through the setting
	}
	for _, on := range []bool{false, true} {
		p := guest(on)
		read := map[string]bool{}
		for _, c := range cases {
			kase := &Case{ID: c.id, ClientID: c.client, PositionPath: "/pos/x/"}
			switch c.part {
			case participant:
				kase.Participants = []Participant{{ContactID: contact, Role: "AUDITOR"}}
			case assignee:
				kase.Assignees = []string{guestUser}
			case pastTask:
				kase.PastAssignees = []string{guestUser}
			case creator:
				kase.CreatorID = guestUser
			}
			switch c.acl {
			case contactEntry:
				kase.ACL = []ACLEntry{{ContactID: contact, Right: Read}}
			case colleagueEntry:
				kase.ACL = []ACLEntry{{ContactID: otherContact, Right: Manage}}
			case groupEntry:
				kase.ACL = []ACLEntry{{Ref: Ref{GroupID: group}, Right: Manage}}
			case userEntry:
				kase.ACL = []ACLEntry{{Ref: Ref{UserID: guestUser}, Right: Manage}}
			}
			r := RightsOn(p, kase, f)
			want := c.off
			if on {
				want = c.on
			}
			if got := r.Right >= Read; got != want {
				t.Errorf("setting %v, case %q: reads %v (%s %v), want %v", on, c.id, got, r.Right, r.GrantedBy, want)
			}
			if on && strings.Join(r.GrantedBy, " ") != c.rules {
				t.Errorf("case %q: granted by %v, want %q", c.id, r.GrantedBy, c.rules)
			}
			if r.Right >= Read && c.project != "" {
				read[c.project] = true
			}
		}
		for _, pr := range projects {
			want := pr.off
			if on {
				want = pr.on
			}
			if got := ProjectVisible(p, pr.counterparty, read[pr.id]); got != want {
				t.Errorf("setting %v, project %q: sees %v, want %v", on, pr.id, got, want)
			}
		}
	}
	// The setting reaches nothing without a company, and never a temporary session.
	alone := &Principal{Kind: KindExternal, UserID: guestUser, ContactID: contact, CompanyCases: true}
	if r := RightsOn(alone, &Case{ClientID: ""}, f); r.Right != NoRight {
		t.Errorf("a guest of no company got %s on a case of no client", r.Right)
	}
	if ProjectVisible(alone, "", false) {
		t.Error("a guest of no company sees a project of no counterparty")
	}
	tmp := &Principal{Kind: KindTemporary, CompanyID: company, CompanyCases: true}
	if ProjectVisible(tmp, company, true) || ListProjects(tmp).Allowed {
		t.Error("a temporary session sees projects")
	}
	for _, p := range []*Principal{guest(false), {Kind: KindInternal, UserID: "u"}, System()} {
		if !ListProjects(p).Allowed {
			t.Errorf("%s may not list projects", p.Kind)
		}
	}
	if !ProjectVisible(&Principal{Kind: KindInternal, UserID: "u"}, "", false) {
		t.Error("an employee does not see every project")
	}
}

// TestGuestsSeeNoInternals: guests and temporary sessions are shown no internals and people by name
// only (their own account in full), and share no case.
func TestGuestsSeeNoInternals(t *testing.T) {
	guest := &Principal{Kind: KindExternal, UserID: "gu", ContactID: "co"}
	tmp := &Principal{Kind: KindTemporary, GrantID: "g"}
	emp := &Principal{Kind: KindInternal, UserID: "u"}
	for _, tc := range []struct {
		p                         *Principal
		internals, share          bool
		detailsOfOther, detailsOf bool // of another user, of itself
	}{
		{emp, true, true, true, true},
		{System(), true, true, true, true},
		{guest, false, false, false, true},
		{tmp, false, false, false, false},
		{nil, false, false, false, false},
	} {
		self := ""
		if tc.p != nil {
			self = tc.p.UserID
		}
		got := []bool{SeesInternals(tc.p), MayShareCase(tc.p).Allowed, SeesPersonDetails(tc.p, "other"), SeesPersonDetails(tc.p, self)}
		want := []bool{tc.internals, tc.share, tc.detailsOfOther, tc.detailsOf}
		if tc.p == tmp || tc.p == nil {
			want[3] = false
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: internals, share, details of another, of itself = %v, want %v", tc.p, got, want)
		}
	}
	// Contacts: employees see every contact's e-mail and phone, a guest only its own contact's.
	if !SeesContactDetails(emp, "co-2") || SeesContactDetails(guest, "co-2") || !SeesContactDetails(guest, "co") || SeesContactDetails(tmp, "co") {
		t.Error("contact details shown to the wrong callers")
	}
}
