package access

// AttachmentVisible decides whether p sees an attachment of a case it may read: employees see every
// one; external audiences (guests, temporary-access persons) only those shared with external
// principals (visibleToExternal), as with comments.
func AttachmentVisible(p *Principal, visibleToExternal bool) bool {
	return p != nil && (!p.External() || visibleToExternal)
}

// AttachmentVisibility is the flag an attachment added (or replaced) by p gets, given what was asked:
// what an external principal adds is always visible to external principals; an employee chooses,
// and a file is internal unless it says otherwise.
func AttachmentVisibility(p *Principal, asked *bool) bool {
	if p.External() {
		return true
	}
	return asked != nil && *asked
}
