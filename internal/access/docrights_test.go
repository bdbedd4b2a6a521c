package access

import (
	"slices"
	"testing"
)

// TestDocumentRightsTable is the six document rules: each row gives "me" exactly one rule, and the
// villain, who matches none, gets nothing.
func TestDocumentRightsTable(t *testing.T) {
	me := &Principal{Kind: KindInternal, UserID: "me", Groups: []string{"g"},
		PositionRights: []PositionRight{{PositionID: "p", Path: "/p/"}}, ClientGrants: []string{"cl"}}
	for _, tc := range []struct {
		name  string
		d     Document
		right Right
		rules []string
	}{
		{"author", Document{AuthorID: "me"}, Manage, []string{RuleAuthor}},
		{"ACL for a group", Document{ACL: []DocumentACLEntry{{Ref: Ref{GroupID: "g"}, Right: Write}}}, Write, []string{RuleDocumentACL}},
		{"position where it resides", Document{PositionPath: "/p/"}, Write, []string{RulePosition}},
		{"case with allDocuments", Document{CaseAllDocuments: []Ref{{GroupID: "g"}}}, Read, []string{RuleCase}},
		{"client data", Document{ClientID: "cl"}, Read, []string{RuleClientData}},
		{"active task", Document{ActiveTasks: []string{"me"}}, Write, []string{RuleActiveTask}},
		// The user's own entry decides alone: a deny shuts out even the author.
		{"deny entry over authorship", Document{AuthorID: "me", ActiveTasks: []string{"me"}, ACL: []DocumentACLEntry{{Ref: Ref{UserID: "me"}}}}, NoRight, []string{RuleDocumentACL}},
		{"own entry beats a group's", Document{ACL: []DocumentACLEntry{{Ref: Ref{UserID: "me"}, Right: Read}, {Ref: Ref{GroupID: "g"}, Right: Manage}}}, Read, []string{RuleDocumentACL}},
		// A group entry with no rights adds nothing and denies nothing.
		{"group entry without rights", Document{AuthorID: "me", ACL: []DocumentACLEntry{{Ref: Ref{GroupID: "g"}}}}, Manage, []string{RuleAuthor}},
		// Confidential: only AUTHOR, DOCUMENT_ACL and ACTIVE_TASK open it.
		{"confidential at my position", Document{Confidential: true, PositionPath: "/p/", CaseAllDocuments: []Ref{{UserID: "me"}}, ClientID: "cl"}, NoRight, nil},
		{"confidential with a task", Document{Confidential: true, ActiveTasks: []string{"me"}}, Write, []string{RuleActiveTask}},
		{"confidential by ACL", Document{Confidential: true, ACL: []DocumentACLEntry{{Ref: Ref{GroupID: "g"}, Right: Read}}}, Read, []string{RuleDocumentACL}},
		// Forwarded away: the old position no longer opens it.
		{"forwarded elsewhere", Document{PositionPath: "/q/"}, NoRight, nil},
		{"several rules", Document{AuthorID: "me", PositionPath: "/p/"}, Manage, []string{RuleAuthor, RulePosition}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DocumentRightsOn(me, &tc.d)
			if got.Right != tc.right || !slices.Equal(got.GrantedBy, tc.rules) && !(len(got.GrantedBy) == 0 && len(tc.rules) == 0) {
				t.Errorf("got %s %v, want %s %v", got.Right, got.GrantedBy, tc.right, tc.rules)
			}
			if v := DocumentRightsOn(villain, &tc.d); v.Right != NoRight {
				t.Errorf("villain got %s through %v", v.Right, v.GrantedBy)
			}
		})
	}
	// Admins are not one of the six rules: documents open to them through the rules only.
	admin := &Principal{Kind: KindInternal, UserID: "a", Permissions: []Permission{PermAdmin}}
	if r := DocumentRightsOn(admin, &Document{AuthorID: "x"}); r.Right != NoRight {
		t.Errorf("admin got %s", r.Right)
	}
	if r := DocumentRightsOn(&Principal{Kind: KindExternal, ContactID: "c"}, &Document{AuthorID: "c"}); r.Right != NoRight {
		t.Errorf("guest got %s", r.Right)
	}
}

// TestGuestDocumentRights: a guest reads a document only through an ACL entry of its case naming
// its contact with allDocuments, never a confidential one, and nothing else opens one to it.
func TestGuestDocumentRights(t *testing.T) {
	guest := &Principal{Kind: KindExternal, UserID: "gu", ContactID: "co", CompanyID: "cl", CompanyCases: true,
		Groups: []string{"g"}, PositionRights: []PositionRight{{Path: "/p/"}}, ClientGrants: []string{"cl"}}
	for _, tc := range []struct {
		name  string
		d     Document
		right Right
	}{
		{"case entry naming the contact, allDocuments", Document{CaseContacts: []string{"co"}}, Read},
		{"confidential", Document{CaseContacts: []string{"co"}, Confidential: true}, NoRight},
		{"another contact's entry", Document{CaseContacts: []string{"other"}}, NoRight},
		{"authored by its account", Document{AuthorID: "gu"}, NoRight},
		{"document ACL naming its account or a group", Document{ACL: []DocumentACLEntry{{Ref: Ref{UserID: "gu"}, Right: Manage}, {Ref: Ref{GroupID: "g"}, Right: Manage}}}, NoRight},
		{"its company's document", Document{ClientID: "cl", PositionPath: "/p/"}, NoRight},
		{"case entries for users and groups", Document{CaseAllDocuments: []Ref{{UserID: "gu"}, {GroupID: "g"}}}, NoRight},
		{"an active task", Document{ActiveTasks: []string{"gu"}}, NoRight},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DocumentRightsOn(guest, &tc.d); got.Right != tc.right {
				t.Errorf("got %s %v, want %s", got.Right, got.GrantedBy, tc.right)
			}
		})
	}
}
