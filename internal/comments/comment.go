// Package comments stores comments on cases and documents. Reading and adding them needs
// READ on the case or document; the author is the effective user, and the native user (who was
// really logged in) is kept, so a comment written while substituting reads "native on behalf of
// effective". External principals see, and write, only comments visible to external principals.
package comments

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/users"
)

// Comment is a row of the comments table.
type Comment struct {
	bun.BaseModel `bun:"table:comments,alias:cm"`

	ID                string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	CaseID            *string   `bun:"case_id,type:uuid"`
	DocumentID        *string   `bun:"document_id,type:uuid"`
	AuthorID          *string   `bun:"author_id,type:uuid"`
	NativeUserID      *string   `bun:"native_user_id,type:uuid"`
	ContactID         *string   `bun:"contact_id,type:uuid"`
	GrantID           *string   `bun:"grant_id,type:uuid"`
	Text              string    `bun:"text,notnull"`
	VisibleToExternal bool      `bun:"visible_to_external,notnull"`
	CreatedAt         time.Time `bun:"created_at,notnull"`
}

// authored is a new comment with its authorship taken from p: the effective user as author, the
// native user kept beside it, and the contact or grant of a guest.
func authored(p *access.Principal) *Comment {
	return &Comment{AuthorID: optional(p.UserID), NativeUserID: optional(p.NativeUserID),
		ContactID: optional(p.ContactID), GrantID: optional(p.GrantID)}
}

// OnBehalf reports whether the comment was written while substituting: a native user other than
// the author.
func (c *Comment) OnBehalf() bool {
	return c.AuthorID != nil && c.NativeUserID != nil && *c.NativeUserID != *c.AuthorID
}

// Names are the people a byline may name, as loaded (nil when the comment names none).
type Names struct {
	Author, Native *users.User
	Contact        *clients.Client // a guest's contact, for a comment without a user as author
	Guest          string          // a temporary-access person's name (or e-mail)
}

// Byline names who wrote the comment: "native on behalf of author" when someone wrote it while
// substituting, else the author's name (a guest's contact's name, or a temporary-access person's,
// when the author is no user).
func (c *Comment) Byline(n Names) string {
	author := "guest"
	switch {
	case n.Author != nil:
		author = n.Author.Name
	case n.Contact != nil:
		author = n.Contact.Name
	case n.Guest != "":
		author = n.Guest
	}
	if c.OnBehalf() && n.Native != nil {
		return n.Native.Name + " on behalf of " + author
	}
	return author
}

// Audience is access's decision of which comments a principal reads.
type Audience = access.CommentAudience

// The audiences, as access names them.
const (
	AllComments      = access.AllComments
	ExternalComments = access.ExternalComments
	NoComments       = access.NoComments
)

// AudienceOf is access.CommentsFor: the decision is made there.
func AudienceOf(p *access.Principal) Audience { return access.CommentsFor(p) }

// visibleToExternal is the flag a comment written by audience a gets, given what was asked.
func visibleToExternal(a Audience, asked *bool) bool {
	if a == ExternalComments {
		return true
	}
	return asked != nil && *asked
}

// filter narrows a select on comments (alias cm) to what audience a reads.
func filter(a Audience, q *bun.SelectQuery) *bun.SelectQuery {
	switch a {
	case AllComments:
		return q
	case ExternalComments:
		return q.Where("cm.visible_to_external")
	default:
		return q.Where("false")
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
