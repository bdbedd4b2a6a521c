package cases

import (
	"context"
	"encoding/json"
	"fmt"
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

	PositionPath string `bun:"position_path,scanonly"`
	// FactsJSON is the facts column: the case's tasks' users, ACL, participants and overrides, kept
	// on the row by triggers (migration case_facts), decoded once when the case is loaded.
	FactsJSON json.RawMessage `bun:"facts,scanonly"`
	// People are the users the case names (creator, tasks, ACL, participants), loaded with a single
	// case (withPeople) so that showing them costs no round trip of its own; nil in lists.
	People json.RawMessage `bun:"people,scanonly"`

	Assignees     []string `bun:"-"` // users of the active tasks, oldest task first
	PastAssignees []string `bun:"-"`
	acl           []ACLEntry
	participants  []ParticipantEntry
	overrides     []overrideEntry

	facts    *access.Case
	decision *access.CaseDecision
	people   []users.User // People decoded, once, when the case is loaded
}

// withFacts selects a case's columns, its facts among them, and its position's path.
func withFacts(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("c.*, pos.path AS position_path").Join("LEFT JOIN positions AS pos ON pos.id = c.position_id")
}

// withPeople adds the users the case names (alias c), as users.DecodeJSON reads them: for one
// case, whose page shows them. The ids are one array, probed in the primary key: written as
// "creator OR in the people", PostgreSQL reads every user instead.
func withPeople(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr(`(SELECT COALESCE(json_agg(` + users.JSONObjectSQL + `), '[]') FROM users pu
		WHERE pu.id = ANY (ARRAY(SELECT jsonb_array_elements_text(c.facts->'people')::uuid) || c.creator_id)) AS people`)
}

// storedFacts is the facts column as the triggers write it.
type storedFacts struct {
	Assignees     []string           `json:"assignees"`
	PastAssignees []string           `json:"pastAssignees"`
	ACL           []ACLEntry         `json:"acl"`
	Participants  []ParticipantEntry `json:"participants"`
	Overrides     []overrideEntry    `json:"overrides"`
}

var _ bun.AfterScanRowHook = (*Case)(nil)

// AfterScanRow decodes the facts and the people, once, right after a case is read, however it is
// read (one case, a page, with the principal).
func (c *Case) AfterScanRow(context.Context) error {
	return c.decode(c.FactsJSON, c.People)
}

// decode sets what the facts column and the people (both raw JSON, none when empty) hold.
func (c *Case) decode(facts, people []byte) error {
	if len(facts) > 0 {
		f, ok := decodeFactsJSON(facts)
		if !ok {
			f = storedFacts{}
			if err := json.Unmarshal(facts, &f); err != nil {
				return fmt.Errorf("decode facts of case %s: %w", c.ID, err)
			}
		}
		c.Assignees, c.PastAssignees, c.acl, c.participants, c.overrides = f.Assignees, f.PastAssignees, f.ACL, f.Participants, f.Overrides
	}
	if len(people) == 0 {
		return nil
	}
	us, err := users.DecodeJSON(people)
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
	// operation that reads only that case (AuthenticateReading). Its case columns are named one by
	// one, in caseRow's order: it is scanned by position, not by bun's model.
	caseWithPrincipal = database.Prepare("casegate_principal_case", auth.AlongParams+", uuid", auth.AlongSQL(caseRowSQL("?4")))
)

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

// ACLEntries is the case's ACL.
func (c *Case) ACLEntries() []ACLEntry { return c.acl }

// ParticipantEntries is the case's participants.
func (c *Case) ParticipantEntries() []ParticipantEntry { return c.participants }

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
	for _, o := range c.overrides {
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
