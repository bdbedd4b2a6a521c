package access

// Rule names of the creation decisions.
const (
	RuleExternalCreate = "EXTERNAL_CREATE" // a guest creates a case of a procedure marked externalCreate
	RuleNoCreate       = "NO_CREATE"       // the principal may create no case (a temporary session)
)

// CreateCases decides whether p may create cases at all, of some procedure: employees and the
// system user may, and guests (of the procedures marked externalCreate); a temporary-access
// session may not (it sees one case and nothing else).
func CreateCases(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return Decision{Allowed: true, Rule: RuleInternal}
	case KindExternal:
		return Decision{Allowed: true, Rule: RuleExternalCreate}
	}
	return Decision{Rule: RuleNoCreate}
}

// CreateCase decides whether p may create a case of a procedure: employees and the system user any
// procedure, a guest only one marked externalCreate, a temporary-access session none.
func CreateCase(p *Principal, externalCreate bool) Decision {
	d := CreateCases(p)
	if !d.Allowed || p.Kind != KindExternal || externalCreate {
		return d
	}
	return Decision{Rule: RuleExternalCreate}
}

// ChoosesCaseLinks decides whether p chooses the client, the position and the assignees of a case
// it creates: employees and the system user do; a guest does not (its case is its company's, placed
// nowhere, and its own first task: NewCase), and naming any of them is refused.
func ChoosesCaseLinks(p *Principal) bool { return p != nil && p.Kind != KindExternal }

// NewCase is the facts of a case p is about to create at stage, as creation makes it by default:
// p is its creator and holds its first task; a guest also takes part through its contact, and its
// company is the case's client. A new case has no ACL and no overrides, so deciding on these facts
// gives the modes p will have on the case it creates (the form a portal shows before creating).
func NewCase(p *Principal, stage string) *Case {
	c := &Case{Stage: stage}
	if p == nil {
		return c
	}
	c.CreatorID = p.UserID
	if p.UserID != "" {
		c.Assignees = []string{p.UserID}
	}
	if !ChoosesCaseLinks(p) {
		c.ClientID = p.CompanyID
		if p.ContactID != "" {
			c.Participants = []Participant{{ContactID: p.ContactID, Role: "PARTICIPANT"}}
		}
	}
	return c
}
