package access

import (
	"slices"
	"time"
)

// RuleTemporaryGrant names the rule by which a temporary-access session reaches its one case.
const RuleTemporaryGrant = "TEMPORARY_GRANT"

// Part is a part of a case beyond its form that a temporary grant may open (allowedActions).
type Part string

// The parts of a case a grant may open; the form itself opens by the grant's stages.
const (
	PartAttachments Part = "ATTACHMENTS"
	PartComments    Part = "COMMENTS"
	PartHistory     Part = "HISTORY"
)

// Parts lists every part, in the schema's order.
var Parts = []Part{PartAttachments, PartComments, PartHistory}

// TemporaryAccess is the grant behind a TEMPORARY principal: one case, the stages at which it may
// be read, the window, and what beyond the form it opens.
type TemporaryAccess struct {
	GrantID    string
	CaseID     string
	Email      string
	Name       string
	Stages     []string
	Moves      []string // stages the person may move the case to (AMODIT's buttons)
	Parts      []Part
	ValidFrom  time.Time
	ValidUntil time.Time
	GrantedBy  string // the employee who granted it: the assignee when the person moves the case
}

// OpenAt reports whether the grant's window holds t: from ValidFrom, up to but not at ValidUntil.
func (t *TemporaryAccess) OpenAt(at time.Time) bool {
	return t != nil && !at.Before(t.ValidFrom) && at.Before(t.ValidUntil)
}

// temporaryRights: a temporary session writes its one case, while the case is at one of the
// grant's stages and the window holds at the request's time. Nothing else reaches it.
func temporaryRights(p *Principal, c *Case, r *CaseRights) {
	t := p.Temporary
	if t.OpenAt(p.At) && t.CaseID == c.ID && slices.Contains(t.Stages, c.Stage) {
		r.add(RuleTemporaryGrant, Write)
	}
}

// CasePart decides whether p may see a part of a case it can read. Employees and the system see
// every part; a temporary session sees the parts its grant opens; a guest (EXTERNAL) sees the
// comments and attachments (of those, only the ones shared with external principals: CommentsFor,
// AttachmentVisible) but not the history, whose records tell of the organisation's work on the
// case (unknown means deny).
func CasePart(p *Principal, part Part) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return true
	case KindExternal:
		return part == PartComments || part == PartAttachments
	case KindTemporary:
		return p.Temporary != nil && slices.Contains(p.Temporary.Parts, part)
	}
	return false
}

// MayChangeAttachment decides whether p, holding WRITE on an attachment's owner, may replace or
// delete it: outsiders only their own files (a temporary session what its grant uploaded, a guest
// what its account uploaded: they may add files, not remove or overwrite the organisation's);
// employees and the system any.
func MayChangeAttachment(p *Principal, uploadedByGrant, uploadedBy string) bool {
	if p == nil || !MayWrite(p).Allowed {
		return false
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return true
	case KindTemporary:
		return p.GrantID != "" && uploadedByGrant == p.GrantID
	case KindExternal:
		return p.UserID != "" && uploadedBy == p.UserID
	}
	return false
}

// SeesGrantEmail decides whether p is shown the e-mail address of the person behind a grant (in a
// case's history or a comment's byline): employees and the system are, and the person itself;
// another outsider on the same case is not.
func SeesGrantEmail(p *Principal, grantID string) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return true
	case KindTemporary:
		return grantID != "" && p.GrantID == grantID
	}
	return false
}

// MayShareCase decides whether p may change who a case is shared with and how it shows (its ACL,
// its participants, its per-case mode overrides), on a case it holds the right for: employees and
// the system user only. A guest's or a temporary session's rights are for the form, its moves and
// the parts open to it, never for opening the case to others.
func MayShareCase(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return Decision{Allowed: true, Rule: string(p.Kind)}
	case KindTemporary:
		return Decision{Rule: RuleTemporaryGrant}
	}
	return Decision{Rule: RuleInternal}
}

// MayMoveTo decides whether a temporary session may move its case to stage (one of its grant's
// moves); other principals are decided by their right on the case alone.
func MayMoveTo(p *Principal, stage string) bool {
	if p == nil || p.Kind != KindTemporary {
		return true
	}
	return p.Temporary != nil && slices.Contains(p.Temporary.Moves, stage)
}

// SeesOrganisation decides whether p is shown the organisation around a case it reads: its people
// (creator, assignees, tasks, participants, the users of access settings, comment authors as users)
// and what the case is linked to (project, client). Everyone is but a temporary-access person, who
// sees the form, the parts its grant opens and, where someone wrote something, a name. A guest is
// shown the people by name only (SeesPersonDetails) and no groups or positions (SeesInternals).
func SeesOrganisation(p *Principal) bool { return p != nil && p.Kind != KindTemporary }
