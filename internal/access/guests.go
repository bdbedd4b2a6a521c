package access

// What a guest (an EXTERNAL principal) is shown of the organisation. Employees and the
// system user see the organisation whole; a guest sees the cases, projects and documents its rules
// open, and around them people by name only; a temporary-access person less still (see
// SeesOrganisation).

// SeesInternals decides whether p is shown the organisation's internals: its groups and positions
// (also where a case or a setting names them), procedures' access settings and grants, case ACLs
// and access explanations. Employees and the system user are; guests and temporary-access persons
// are not. The queries that list or explain them (users, groups, positions, procedures,
// explainFieldAccess, explainDocumentAccess, auditLog, settings, …) are FORBIDDEN to whoever this
// refuses: they ask Internal, whose decision this is.
func SeesInternals(p *Principal) bool { return Internal(p).Allowed }

// SeesPersonDetails decides whether p is shown more of a user than its id and name: e-mail, phone,
// profile expiry, manager, permissions, groups and position rights. Employees and the system user
// are; a guest only of its own account; a temporary-access person of no one.
func SeesPersonDetails(p *Principal, userID string) bool {
	if SeesInternals(p) {
		return true
	}
	return p != nil && p.Kind == KindExternal && userID != "" && userID == p.UserID
}

// SeesContactDetails decides whether p is shown a contact's e-mail and phone: employees are, a
// guest only its own contact's (the other contacts it meets on a case, its colleagues too, it is
// shown by name), a temporary-access person none.
func SeesContactDetails(p *Principal, contactID string) bool { return SeeGuestAccount(p, contactID) }
