// Package documents stores documents (docs/documents.md): inside a case or on their own, residing
// at a position, with their own ACL and workflow tasks, and decides every operation on them through
// the access engine's six document rules.
package documents

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
)

// Document is a row of the documents table with the facts access needs, loaded in the same query.
type Document struct {
	bun.BaseModel `bun:"table:documents,alias:d"`

	ID           string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	CaseID       *string   `bun:"case_id,type:uuid"`
	AuthorID     string    `bun:"author_id,type:uuid,notnull"`
	Title        string    `bun:"title,notnull"`
	Body         string    `bun:"body,notnull"`
	Confidential bool      `bun:"confidential,notnull"`
	ClientID     *string   `bun:"client_id,type:uuid"`
	PositionID   *string   `bun:"position_id,type:uuid"`
	Version      int       `bun:"version,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`

	PositionPath     string          `bun:"position_path,scanonly"`
	ACL              json.RawMessage `bun:"acl,scanonly"`
	CaseAllDocuments json.RawMessage `bun:"case_all_documents,scanonly"`
	ActiveTasks      []string        `bun:"active_tasks,array,scanonly"`

	rights access.CaseRights
}

const factColumns = `
	pos.path AS position_path,
	COALESCE((SELECT json_agg(json_build_object('userId', a.user_id, 'groupId', a.group_id, 'level', a.level))
		FROM document_acl a WHERE a.document_id = d.id), '[]') AS acl,
	COALESCE((SELECT json_agg(json_build_object('userId', ca.user_id, 'groupId', ca.group_id, 'contactId', ca.contact_id))
		FROM case_acl ca WHERE ca.case_id = d.case_id AND ca.all_documents AND ca.level >= 1), '[]') AS case_all_documents,
	ARRAY(SELECT t.user_id::text FROM document_tasks t WHERE t.document_id = d.id AND t.active ORDER BY t.created_at) AS active_tasks`

func withFacts(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("d.*").ColumnExpr(factColumns).Join("LEFT JOIN positions AS pos ON pos.id = d.position_id")
}

// ACLEntry is one entry of a document's ACL as stored (level 0 is a deny).
type ACLEntry struct {
	UserID  *string      `json:"userId"`
	GroupID *string      `json:"groupId"`
	Level   access.Right `json:"level"`
}

// ACLEntries decodes the document's ACL.
func (d *Document) ACLEntries() []ACLEntry {
	var out []ACLEntry
	_ = json.Unmarshal(d.ACL, &out)
	return out
}

// Facts is the snapshot access decides on.
func (d *Document) Facts() *access.Document {
	f := &access.Document{ID: d.ID, AuthorID: d.AuthorID, Confidential: d.Confidential, PositionPath: d.PositionPath,
		ClientID: deref(d.ClientID), ActiveTasks: d.ActiveTasks}
	for _, e := range d.ACLEntries() {
		f.ACL = append(f.ACL, access.DocumentACLEntry{Ref: access.Ref{UserID: deref(e.UserID), GroupID: deref(e.GroupID)}, Right: e.Level})
	}
	var refs []struct {
		UserID    *string `json:"userId"`
		GroupID   *string `json:"groupId"`
		ContactID *string `json:"contactId"`
	}
	_ = json.Unmarshal(d.CaseAllDocuments, &refs)
	for _, r := range refs {
		if r.ContactID != nil {
			f.CaseContacts = append(f.CaseContacts, *r.ContactID)
			continue
		}
		f.CaseAllDocuments = append(f.CaseAllDocuments, access.Ref{UserID: deref(r.UserID), GroupID: deref(r.GroupID)})
	}
	return f
}

// Rights are the rights of the principal that loaded the document, and the rules behind them.
func (d *Document) Rights() access.CaseRights { return d.rights }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
