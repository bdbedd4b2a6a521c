package cases

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/users"
)

// Case is a row of the cases table with the facts access needs, loaded in the same query.
type Case struct {
	bun.BaseModel `bun:"table:cases,alias:c"`

	ID         string       `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Procedure  string       `bun:"procedure,notnull"`
	Stage      string       `bun:"stage,notnull"`
	Title      string       `bun:"title,notnull"`
	Values     forms.Values `bun:"form_values,type:jsonb,notnull"`
	CreatorID  *string      `bun:"creator_id,type:uuid"`
	ProjectID  *string      `bun:"project_id,type:uuid"`
	ClientID   *string      `bun:"client_id,type:uuid"`
	PositionID *string      `bun:"position_id,type:uuid"`
	Version    int          `bun:"version,notnull"`
	CreatedAt  time.Time    `bun:"created_at,notnull"`
	UpdatedAt  time.Time    `bun:"updated_at,notnull"`

	PositionPath  string          `bun:"position_path,scanonly"`
	Assignees     []string        `bun:"assignees,array,scanonly"`
	PastAssignees []string        `bun:"past_assignees,array,scanonly"`
	ACL           json.RawMessage `bun:"acl,scanonly"`
	Participants  json.RawMessage `bun:"participants,scanonly"`
	Overrides     json.RawMessage `bun:"overrides,scanonly"`
	// People are the users the case names (creator, tasks, ACL, participants), loaded with a single
	// case (withPeople) so that showing them costs no round trip of its own; nil in lists.
	People json.RawMessage `bun:"people,scanonly"`

	facts    *access.Case
	decision *access.CaseDecision
	people   []users.User // People decoded, once, when the case is loaded
}

// factColumns are the fact columns loaded with every case (alias c); one round trip per list.
const factColumns = `
	pos.path AS position_path,
	ARRAY(SELECT t.user_id::text FROM case_tasks t WHERE t.case_id = c.id AND t.active ORDER BY t.created_at) AS assignees,
	ARRAY(SELECT DISTINCT t.user_id::text FROM case_tasks t WHERE t.case_id = c.id AND NOT t.active) AS past_assignees,
	COALESCE((SELECT json_agg(json_build_object('userId', a.user_id, 'groupId', a.group_id, 'contactId', a.contact_id,
		'level', a.level, 'allDocuments', a.all_documents)) FROM case_acl a WHERE a.case_id = c.id), '[]') AS acl,
	COALESCE((SELECT json_agg(json_build_object('userId', cp.user_id, 'contactId', cp.contact_id, 'role', cp.role))
		FROM case_participants cp WHERE cp.case_id = c.id), '[]') AS participants,
	COALESCE((SELECT json_agg(json_build_object('target', m.target, 'mode', m.mode))
		FROM case_field_modes m WHERE m.case_id = c.id), '[]') AS overrides`

// withFacts selects a case's columns and its facts.
func withFacts(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("c.*").ColumnExpr(factColumns).Join("LEFT JOIN positions AS pos ON pos.id = c.position_id")
}

// withPeople adds the users the case names (alias c), as users.DecodeJSON reads them: for one
// case, whose page shows them.
func withPeople(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr(`(SELECT COALESCE(json_agg(` + users.JSONObjectSQL + `), '[]') FROM users pu WHERE pu.id IN (
		SELECT c.creator_id UNION SELECT t.user_id FROM case_tasks t WHERE t.case_id = c.id
		UNION SELECT a.user_id FROM case_acl a WHERE a.case_id = c.id
		UNION SELECT cp.user_id FROM case_participants cp WHERE cp.case_id = c.id)) AS people`)
}

// decodePeople decodes People once, right after the case is loaded.
func (c *Case) decodePeople() error {
	if len(c.People) == 0 {
		return nil
	}
	us, err := users.DecodeJSON(c.People)
	c.people = us
	return err
}

// caseSQL is one case with its facts and the users it names, by the id in parameter param.
func caseSQL(param string) string {
	return bun.NewDB(nil, pgdialect.New()).NewSelect().Model((*Case)(nil)).Apply(withFacts).Apply(withPeople).
		Where("c.id = ?", bun.Safe(param)).String()
}

var (
	// caseByID is the statement of every case(id), prepared once per connection (database.Prepare).
	caseByID = database.Prepare("casegate_case", "uuid", caseSQL("?0"))
	// caseWithPrincipal is the principal of a bearer token and one case, in one statement: for an
	// operation that reads only that case (AuthenticateReading).
	caseWithPrincipal = database.Prepare("casegate_principal_case", auth.AlongParams+", uuid", auth.AlongSQL(caseSQL("?4")))
)

// principalAndCase is a row of caseWithPrincipal; Case's columns are NULL when there is no such case.
type principalAndCase struct {
	auth.PrincipalRow
	Case
}

// Users returns the users loaded with the case (withPeople); none when it was loaded without them.
func (c *Case) Users() []users.User { return c.people }

// ACLEntry is one entry of a case's ACL as stored.
type ACLEntry struct {
	UserID       *string      `json:"userId"`
	GroupID      *string      `json:"groupId"`
	ContactID    *string      `json:"contactId"`
	Level        access.Right `json:"level"`
	AllDocuments bool         `json:"allDocuments"`
}

// ParticipantEntry is one participant as stored.
type ParticipantEntry struct {
	UserID    *string `json:"userId"`
	ContactID *string `json:"contactId"`
	Role      Role    `json:"role"`
}

type overrideEntry struct {
	Target string      `json:"target"`
	Mode   access.Mode `json:"mode"`
}

// ACLEntries decodes the case's ACL.
func (c *Case) ACLEntries() []ACLEntry {
	var out []ACLEntry
	_ = json.Unmarshal(c.ACL, &out)
	return out
}

// ParticipantEntries decodes the case's participants.
func (c *Case) ParticipantEntries() []ParticipantEntry {
	var out []ParticipantEntry
	_ = json.Unmarshal(c.Participants, &out)
	return out
}

// Facts is the snapshot access decides on; built once per loaded case.
func (c *Case) Facts() *access.Case {
	if c.facts != nil {
		return c.facts
	}
	f := &access.Case{ID: c.ID, Stage: c.Stage, CreatorID: deref(c.CreatorID), Assignees: c.Assignees,
		PastAssignees: c.PastAssignees, PositionPath: c.PositionPath, ClientID: deref(c.ClientID)}
	for _, e := range c.ACLEntries() {
		f.ACL = append(f.ACL, access.ACLEntry{Ref: access.Ref{UserID: deref(e.UserID), GroupID: deref(e.GroupID)},
			ContactID: deref(e.ContactID), Right: e.Level, AllDocuments: e.AllDocuments})
	}
	for _, p := range c.ParticipantEntries() {
		f.Participants = append(f.Participants, access.Participant{UserID: deref(p.UserID), ContactID: deref(p.ContactID), Role: string(p.Role)})
	}
	var overrides []overrideEntry
	_ = json.Unmarshal(c.Overrides, &overrides)
	for _, o := range overrides {
		section, field, _ := strings.Cut(o.Target, ".")
		f.Overrides = append(f.Overrides, access.Override{Section: section, Field: field, Mode: o.Mode})
	}
	c.facts = f
	return f
}

// Decision is the decision of the principal that loaded the case.
func (c *Case) Decision() *access.CaseDecision { return c.decision }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
