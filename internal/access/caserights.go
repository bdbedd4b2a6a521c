package access

import "slices"

// Case rule names, as listed in grantedBy: each names one way a principal comes to hold rights on a
// case.
const (
	RuleCreator      = "CREATOR"
	RuleAssignee     = "ASSIGNEE"
	RulePastAssignee = "PAST_ASSIGNEE"
	RuleCaseACL      = "CASE_ACL"
	RuleProcedure    = "PROCEDURE"
	RulePosition     = "POSITION"
	RuleClientData   = "CLIENT_DATA"
	RuleParticipant  = "PARTICIPANT"
	RuleCompany      = "COMPANY"
	RuleSystem       = "SYSTEM"
)

// CaseRights is the rights a principal has on a case and every rule that granted some.
type CaseRights struct {
	Right     Right
	GrantedBy []string
}

func (r *CaseRights) add(rule string, right Right) {
	r.GrantedBy = append(r.GrantedBy, rule)
	if right > r.Right {
		r.Right = right
	}
}

// RightsOn decides a principal's rights on a case. Every rule that applies is listed, in the order
// the rules are checked; the right is the highest any of them grants. Unknown principals get
// nothing.
func RightsOn(p *Principal, c *Case, f *Form) CaseRights {
	var r CaseRights
	if p == nil {
		return r
	}
	switch p.Kind {
	case KindInternal:
		internalRights(p, c, f, &r)
	case KindExternal:
		externalRights(p, c, &r)
	case KindTemporary:
		temporaryRights(p, c, &r)
	case KindSystem:
		r.add(RuleSystem, Manage)
	}
	return r
}

func internalRights(p *Principal, c *Case, f *Form, r *CaseRights) {
	if p.HasPermission(PermAdmin) {
		r.add(RuleAdmin, Manage)
	}
	if c.CreatorID == p.UserID {
		r.add(RuleCreator, Read)
	}
	if slices.Contains(c.Assignees, p.UserID) {
		r.add(RuleAssignee, Write)
	}
	if f.KeepAccessAfterTask && slices.Contains(c.PastAssignees, p.UserID) {
		r.add(RulePastAssignee, Read)
	}
	if right := aclRight(p, c.ACL); right > NoRight {
		r.add(RuleCaseACL, right)
	}
	if right := grantRight(p, f.Grants); right > NoRight {
		r.add(RuleProcedure, right)
	}
	if c.PositionPath != "" && slices.ContainsFunc(p.PositionRights, func(pr PositionRight) bool { return pr.Covers(c.PositionPath) }) {
		r.add(RulePosition, Read)
	}
	if c.ClientID != "" && (p.InGroup(ClientDataGroupID) || slices.Contains(p.ClientGrants, c.ClientID)) {
		r.add(RuleClientData, Read)
	}
	if slices.ContainsFunc(c.Participants, func(x Participant) bool { return x.UserID != "" && x.UserID == p.UserID }) {
		r.add(RuleParticipant, Read)
	}
}

// externalRights: a guest gets rights only from being assigned, taking part, or an ACL entry naming
// its contact — never from groups, positions, procedures or client data — and, while the setting
// guestsSeeCompanyCases is on (Principal.CompanyCases), READ on every case whose client is its
// contact's company (COMPANY).
func externalRights(p *Principal, c *Case, r *CaseRights) {
	if p.UserID != "" && slices.Contains(c.Assignees, p.UserID) {
		r.add(RuleAssignee, Write)
	}
	var acl Right
	for _, e := range c.ACL {
		if e.ContactID != "" && e.ContactID == p.ContactID && e.Right > acl {
			acl = e.Right
		}
	}
	if acl > NoRight {
		r.add(RuleCaseACL, acl)
	}
	if slices.ContainsFunc(c.Participants, func(x Participant) bool { return x.ContactID != "" && x.ContactID == p.ContactID }) {
		r.add(RuleParticipant, Read)
	}
	if p.CompanyCases && p.CompanyID != "" && c.ClientID == p.CompanyID {
		r.add(RuleCompany, Read)
	}
}

// Names reports whether ref names the principal's effective user or one of its groups.
func (p *Principal) Names(ref Ref) bool {
	if ref.UserID != "" {
		return ref.UserID == p.UserID
	}
	return ref.GroupID != "" && p.InGroup(ref.GroupID)
}

func aclRight(p *Principal, acl []ACLEntry) Right {
	var best Right
	for _, e := range acl {
		if e.Right > best && e.ContactID == "" && p.Names(e.Ref) {
			best = e.Right
		}
	}
	return best
}

func grantRight(p *Principal, grants []Grant) Right {
	var best Right
	for _, g := range grants {
		if g.Right > best && p.Names(g.Ref) {
			best = g.Right
		}
	}
	return best
}
