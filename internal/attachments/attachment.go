// Package attachments stores the files attached to documents (docs/documents.md) and to
// cases themselves. An attachment carries its owner's rights: READ to list and download it, WRITE to
// add, replace or delete it; a temporary-access session sees a case's attachments only when its
// grant opens ATTACHMENTS. Its metadata is a row of the attachments table; its bytes go through a
// Store (PostgreSQL today, an object store later). Timestamps are the server's: no input sets them.
package attachments

import (
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/documents"
)

// Attachment is a row of the attachments table.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments,alias:att"`

	ID          string  `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	DocumentID  *string `bun:"document_id,type:uuid"` // exactly one of DocumentID and CaseID
	CaseID      *string `bun:"case_id,type:uuid"`
	Name        string  `bun:"name,notnull"`
	ContentType string  `bun:"content_type,notnull"`
	Size        int64   `bun:"size,notnull"`
	Digest      []byte  `bun:"sha256,notnull"`
	CreatedByID *string `bun:"created_by,type:uuid"`
	GrantID     *string `bun:"grant_id,type:uuid"` // the temporary-access grant whose session uploaded it
	// VisibleToExternal shares the file with external principals (access.AttachmentVisible).
	VisibleToExternal bool      `bun:"visible_to_external,notnull"`
	CreatedAt         time.Time `bun:"created_at,notnull"`
	ModifiedAt        time.Time `bun:"modified_at,notnull"`

	// doc or kase is the owner the attachment was reached through, already decided for the caller.
	doc  *documents.Document
	kase *cases.Case
}

// SHA256 is the content's SHA-256 in hex.
func (a *Attachment) SHA256() string { return hex.EncodeToString(a.Digest) }

// DownloadURL is where the content is served, relative to the server's root.
func (a *Attachment) DownloadURL() string { return "/attachments/" + a.ID }

// LoadedDocument is the document the attachment was reached through (its rights decided for the
// caller), or nil when it was loaded on its own or belongs to a case.
func (a *Attachment) LoadedDocument() *documents.Document { return a.doc }

// File is an uploaded file as the transport received it.
type File struct {
	Name        string
	ContentType string // the part's Content-Type header, possibly empty
	Size        int64  // as announced; the bytes read are what counts
	Body        io.Reader
}

// maxNameRunes bounds a file name; longer names are cut (keeping the extension is not attempted).
const maxNameRunes = 255

// cleanName keeps the last element of a client's file name (browsers on Windows may send a whole
// path), without control characters or bidirectional overrides (which can show "txt.exe" as
// "exe.txt"); an empty name becomes "attachment".
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "attachment"
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		name = string([]rune(name)[:maxNameRunes])
	}
	return name
}

// contentType is the upload's own Content-Type when it is a valid media type, else what the first
// 512 bytes look like (http.DetectContentType). It is normalised, so it is safe to send back as a
// header.
func contentType(header string, data []byte) string {
	if mt, params, err := mime.ParseMediaType(header); err == nil {
		if t := mime.FormatMediaType(mt, params); t != "" {
			return t
		}
	}
	return http.DetectContentType(data)
}
