package access

// ACLEntry is an entry of a case's ACL: a user, a group or a contact, with a right.
type ACLEntry struct {
	Ref
	ContactID    string
	Right        Right
	AllDocuments bool
}

// Participant is a user or contact taking part in a case (PARTICIPANT or AUDITOR).
type Participant struct {
	UserID    string
	ContactID string
	Role      string
}

// Override is a per-case mode override (setCaseFieldMode) of a section (Field "") or a field.
type Override struct {
	Section string
	Field   string
	Mode    Mode
}

// Case is a snapshot of the facts about one case that access depends on. Lists are complete (not
// filtered for one principal), so one snapshot serves every principal and explanation.
type Case struct {
	ID            string
	Stage         string
	CreatorID     string
	Assignees     []string // users holding an active task
	PastAssignees []string // users who held a task that has ended
	ACL           []ACLEntry
	Participants  []Participant
	PositionPath  string // "" when the case resides at no position
	ClientID      string // "" when the case has no client
	Overrides     []Override
}
