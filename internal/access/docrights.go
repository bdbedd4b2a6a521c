package access

import "slices"

// Document rule names, as listed in grantedBy. With RulePosition and RuleClientData they are the
// six ways a document opens to an employee.
const (
	RuleAuthor      = "AUTHOR"
	RuleDocumentACL = "DOCUMENT_ACL"
	RuleCase        = "CASE"
	RuleActiveTask  = "ACTIVE_TASK"
)

// DocumentACLEntry is an entry of a document's ACL. For a user, NoRight is a deny.
type DocumentACLEntry struct {
	Ref
	Right Right
}

// Document is a snapshot of the facts about one document that access depends on.
type Document struct {
	ID           string
	AuthorID     string
	Confidential bool
	ACL          []DocumentACLEntry
	PositionPath string // where the document now resides ("" for none)
	// CaseAllDocuments names who holds READ or more on the document's case through an ACL entry
	// with allDocuments ("prawo do oglądania wszystkich dokumentów").
	CaseAllDocuments []Ref
	// CaseContacts names the contacts (guests) that an ACL entry of the document's case with
	// allDocuments and READ or more names: the one rule that opens a document to a guest.
	CaseContacts []string
	ClientID     string
	ActiveTasks  []string // users holding an active workflow task on the document
}

// DocumentRightsOn decides a principal's rights on a document. An ACL entry naming the
// user decides alone, over every other rule, and an entry with no rights is a deny (the seed's way
// to shut out even the author). Group entries add to the other rules. A confidential document
// opens only through AUTHOR, DOCUMENT_ACL and ACTIVE_TASK.
func DocumentRightsOn(p *Principal, d *Document) CaseRights {
	var r CaseRights
	if p == nil {
		return r
	}
	switch p.Kind {
	case KindSystem:
		r.add(RuleSystem, Manage)
		return r
	case KindInternal:
	case KindExternal:
		// A guest reads a document only when a case rule opens it to its contact: an ACL entry of
		// the document's case naming the contact with allDocuments; never a confidential one.
		if !d.Confidential && p.ContactID != "" && slices.Contains(d.CaseContacts, p.ContactID) {
			r.add(RuleCase, Read)
		}
		return r
	default:
		return r // a temporary session reaches no document
	}
	for _, e := range d.ACL {
		if e.UserID != "" && e.UserID == p.UserID {
			r.GrantedBy = []string{RuleDocumentACL}
			r.Right = e.Right
			return r
		}
	}
	if d.AuthorID == p.UserID {
		r.add(RuleAuthor, Manage)
	}
	var group Right
	for _, e := range d.ACL {
		if e.GroupID != "" && e.Right > group && p.InGroup(e.GroupID) {
			group = e.Right
		}
	}
	if group > NoRight {
		r.add(RuleDocumentACL, group)
	}
	if !d.Confidential {
		if d.PositionPath != "" && slices.ContainsFunc(p.PositionRights, func(pr PositionRight) bool { return pr.Covers(d.PositionPath) }) {
			r.add(RulePosition, Write)
		}
		if slices.ContainsFunc(d.CaseAllDocuments, p.Names) {
			r.add(RuleCase, Read)
		}
		if d.ClientID != "" && (p.InGroup(ClientDataGroupID) || slices.Contains(p.ClientGrants, d.ClientID)) {
			r.add(RuleClientData, Read)
		}
	}
	if slices.Contains(d.ActiveTasks, p.UserID) {
		r.add(RuleActiveTask, Write)
	}
	return r
}
