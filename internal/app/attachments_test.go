package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// attachmentFields are the fields the attachment tests read.
const attachmentFields = `id name contentType size sha256 createdAt modifiedAt createdBy { id } downloadUrl document { id }`

type attachmentOut struct {
	ID, Name, ContentType, Sha256, DownloadURL string
	Size                                       int64
	CreatedAt, ModifiedAt                      time.Time
	CreatedBy                                  *struct{ ID string }
	Document                                   struct{ ID string }
}

// uploadFile posts a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec):
// the operations, the map naming variables.file, and one file part. An empty contentType sends the
// part without a Content-Type header.
func uploadFile(t *testing.T, c *gqltest.Client, query string, vars map[string]any, name, contentType string, data []byte) *gqltest.Response {
	t.Helper()
	vars["file"] = nil
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="0"; filename="%s"`, name))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = w.Close()
	return c.Send(http.MethodPost, "/graphql", w.FormDataContentType(), body.Bytes())
}

func addAttachment(t *testing.T, c *gqltest.Client, documentID, name, contentType string, data []byte) *gqltest.Response {
	t.Helper()
	return uploadFile(t, c, `mutation($d: ID!, $file: Upload!) { addAttachment(documentId: $d, file: $file) { `+attachmentFields+` } }`,
		map[string]any{"d": documentID}, name, contentType, data)
}

func replaceAttachment(t *testing.T, c *gqltest.Client, id, name, contentType string, data []byte) *gqltest.Response {
	t.Helper()
	return uploadFile(t, c, `mutation($id: ID!, $file: Upload!) { replaceAttachment(id: $id, file: $file) { `+attachmentFields+` } }`,
		map[string]any{"id": id}, name, contentType, data)
}

func mustAttachment(t *testing.T, r *gqltest.Response, field string) attachmentOut {
	t.Helper()
	var out map[string]attachmentOut
	r.MustOK(t).Decode(t, &out)
	return out[field]
}

// fetchAttachment fetches an attachment's content with the client's token (none when c is nil).
func fetchAttachment(t *testing.T, s *gqltest.Server, c *gqltest.Client, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sendAs(t, c, req)
}

// sendAs sends req with the client's token (none when c is nil) and reads the answer. A read error
// is not fatal: a download may end short on purpose (a replaced file), and callers check the body.
func sendAs(t *testing.T, c *gqltest.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	if c != nil {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// downloadFails checks a download's status and that its body is a GraphQL-shaped error with code.
func downloadFails(t *testing.T, s *gqltest.Server, c *gqltest.Client, path string, status int, code string) {
	t.Helper()
	res, body := fetchAttachment(t, s, c, path)
	var out gqltest.Response
	if err := json.Unmarshal(body, &out); err != nil || res.StatusCode != status || out.Code() != code {
		t.Fatalf("GET %s: want %d %s, got %d %s", path, status, code, res.StatusCode, body)
	}
}

// attachmentWorld is a document with its author, a reader (an ACL entry with READ) and a stranger.
type attachmentWorld struct {
	s                        *gqltest.Server
	author, reader, stranger *gqltest.Client
	authorID, documentID     string
}

func newAttachmentWorld(t *testing.T, s *gqltest.Server, confidential bool) *attachmentWorld {
	t.Helper()
	admin := s.Admin()
	w := &attachmentWorld{s: s}
	w.authorID = createUser(t, admin, "author@casegate.test", "Alicja Autorka")
	readerID := createUser(t, admin, "reader@casegate.test", "Roman Czytelnik")
	createUser(t, admin, "stranger@casegate.test", "Stefan Obcy")
	w.author = s.Login("author@casegate.test", "user-password-1")
	w.reader = s.Login("reader@casegate.test", "user-password-1")
	w.stranger = s.Login("stranger@casegate.test", "user-password-1")
	var doc struct{ CreateDocument struct{ ID string } }
	w.author.Do(`mutation($in: DocumentInput!) { createDocument(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"title": "Umowa", "confidential": confidential}}).MustOK(t).Decode(t, &doc)
	w.documentID = doc.CreateDocument.ID
	w.author.Do(`mutation($d: ID!, $u: ID!) { setDocumentAcl(documentId: $d, entries: [{userId: $u, rights: [READ]}]) { id } }`,
		map[string]any{"d": w.documentID, "u": readerID}).MustOK(t)
	return w
}

// attachmentWrites counts what attachment writes leave behind.
func attachmentWrites(s *gqltest.Server) [3]int {
	return [3]int{s.Count(`SELECT count(*) FROM attachments`), s.Count(`SELECT count(*) FROM attachment_chunks`),
		s.Count(`SELECT count(*) FROM audit_log`)}
}

func TestAttachmentsFollowTheDocument(t *testing.T) {
	s := gqltest.Start(t)
	w := newAttachmentWorld(t, s, false)
	data := []byte("hello, attachment")

	// The author (AUTHOR: MANAGE) adds; the server sets the timestamps and records type and digest.
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, `C:\Users\alicja\notatka.txt`, "text/plain; charset=utf-8", data), "addAttachment")
	sum := sha256.Sum256(data)
	if a.Name != "notatka.txt" || a.ContentType != "text/plain; charset=utf-8" || a.Size != int64(len(data)) || a.Sha256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("attachment %+v", a)
	}
	if a.CreatedBy == nil || a.CreatedBy.ID != w.authorID || a.Document.ID != w.documentID || a.DownloadURL != "/attachments/"+a.ID {
		t.Fatalf("attachment %+v", a)
	}
	if !a.CreatedAt.Equal(s.Clock.Now().Truncate(time.Microsecond)) || !a.ModifiedAt.Equal(a.CreatedAt) {
		t.Fatalf("timestamps %v %v, clock %v", a.CreatedAt, a.ModifiedAt, s.Clock.Now())
	}
	// Without a Content-Type the type is detected from the first bytes.
	s.Clock.Advance(time.Second) // lists are ordered by creation time
	pdf := mustAttachment(t, addAttachment(t, w.author, w.documentID, "skan.pdf", "", []byte("%PDF-1.7\n…")), "addAttachment")
	if pdf.ContentType != "application/pdf" {
		t.Fatalf("detected type %q", pdf.ContentType)
	}

	// The reader (DOCUMENT_ACL: READ) lists and downloads.
	var doc struct {
		Document struct{ Attachments []attachmentOut }
	}
	w.reader.Do(`query($d: ID!) { document(id: $d) { attachments { `+attachmentFields+` } } }`, map[string]any{"d": w.documentID}).MustOK(t).Decode(t, &doc)
	if len(doc.Document.Attachments) != 2 || doc.Document.Attachments[0].ID != a.ID || doc.Document.Attachments[1].ID != pdf.ID {
		t.Fatalf("attachments %+v", doc.Document.Attachments)
	}
	res, body := fetchAttachment(t, s, w.reader, a.DownloadURL)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download: %d %q", res.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type": "text/plain; charset=utf-8", "Content-Length": fmt.Sprint(len(data)),
		"Content-Disposition": "attachment; filename*=UTF-8''notatka.txt", "X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}

	// The reader may not write (FORBIDDEN: the document is visible to it), the stranger does not
	// see the document at all (NOT_FOUND: no rule gives it READ); neither leaves anything behind.
	before := attachmentWrites(s)
	for _, c := range []struct {
		who  *gqltest.Client
		code string
	}{{w.reader, "FORBIDDEN"}, {w.stranger, "NOT_FOUND"}} {
		addAttachment(t, c.who, w.documentID, "x.txt", "text/plain", []byte("x")).MustFail(t, c.code)
		replaceAttachment(t, c.who, a.ID, "x.txt", "text/plain", []byte("x")).MustFail(t, c.code)
		c.who.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": a.ID}).MustFail(t, c.code)
	}
	if after := attachmentWrites(s); after != before {
		t.Fatalf("refused writes left rows: %v → %v", before, after)
	}
	w.stranger.Do(`query($d: ID!) { document(id: $d) { id attachments { id } } }`, map[string]any{"d": w.documentID}).MustFail(t, "NOT_FOUND")

	// Downloads: no token is 401; the stranger, an unknown id and a malformed one are 404.
	downloadFails(t, s, nil, a.DownloadURL, http.StatusUnauthorized, "UNAUTHENTICATED")
	downloadFails(t, s, w.stranger, a.DownloadURL, http.StatusNotFound, "NOT_FOUND")
	downloadFails(t, s, w.reader, "/attachments/00000000-0000-0000-0000-00000000abcd", http.StatusNotFound, "NOT_FOUND")
	downloadFails(t, s, w.reader, "/attachments/not-a-uuid", http.StatusNotFound, "NOT_FOUND")
	downloadFails(t, s, s.WithToken("no-such-token"), a.DownloadURL, http.StatusUnauthorized, "UNAUTHENTICATED")

	// Replacing keeps createdAt and moves modifiedAt; the content, name and type follow the file.
	s.Clock.Advance(time.Hour)
	replacedAt := s.Clock.Now().Truncate(time.Microsecond)
	newData := []byte(`{"wersja": 2}`)
	b := mustAttachment(t, replaceAttachment(t, w.author, a.ID, "notatka v2.json", "application/json", newData), "replaceAttachment")
	if b.ID != a.ID || !b.CreatedAt.Equal(a.CreatedAt) || !b.ModifiedAt.Equal(replacedAt) {
		t.Fatalf("replace timestamps: created %v → %v, modified %v", a.CreatedAt, b.CreatedAt, b.ModifiedAt)
	}
	if b.Name != "notatka v2.json" || b.ContentType != "application/json" || b.Size != int64(len(newData)) || b.CreatedBy.ID != w.authorID {
		t.Fatalf("replaced %+v", b)
	}
	res, body = fetchAttachment(t, s, w.reader, b.DownloadURL)
	if !bytes.Equal(body, newData) || res.Header.Get("Content-Disposition") != "attachment; filename*=UTF-8''notatka%20v2.json" {
		t.Fatalf("download after replace: %q %q", body, res.Header.Get("Content-Disposition"))
	}

	// Any name arrives intact in the download's header, encoded (RFC 8187).
	pl := mustAttachment(t, addAttachment(t, w.author, w.documentID, "Zażółć; jaźń.txt", "text/plain", []byte("pl")), "addAttachment")
	if res, _ := fetchAttachment(t, s, w.reader, pl.DownloadURL); res.Header.Get("Content-Disposition") !=
		"attachment; filename*=UTF-8''Za%C5%BC%C3%B3%C5%82%C4%87%3B%20ja%C5%BA%C5%84.txt" || pl.Name != "Zażółć; jaźń.txt" {
		t.Fatalf("name %q, header %q", pl.Name, res.Header.Get("Content-Disposition"))
	}
	w.author.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": pl.ID}).MustOK(t)

	// Deleting returns the document without it; its content is gone.
	var del struct {
		DeleteAttachment struct{ Attachments []struct{ ID string } }
	}
	w.author.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { attachments { id } } }`, map[string]any{"id": a.ID}).MustOK(t).Decode(t, &del)
	if len(del.DeleteAttachment.Attachments) != 1 || del.DeleteAttachment.Attachments[0].ID != pdf.ID {
		t.Fatalf("after delete: %+v", del)
	}
	downloadFails(t, s, w.author, a.DownloadURL, http.StatusNotFound, "NOT_FOUND")
	if n := s.Count(`SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?`, a.ID); n != 0 {
		t.Fatalf("content left after delete: %d", n)
	}
	w.author.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": a.ID}).MustFail(t, "NOT_FOUND")

	// Every write is audited under its action, by the author.
	for action, want := range map[string]int{"attachment.add": 3, "attachment.replace": 1, "attachment.delete": 2} {
		if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = ? AND user_id = ? AND entity = 'attachment'`, action, w.authorID); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
}

func TestAttachmentTimestampsCannotBeSet(t *testing.T) {
	s := gqltest.Start(t)
	// No input of the schema carries createdAt or modifiedAt: the mutations take only the file (and
	// whether to share it).
	r := s.Admin().Do(`{ __type(name: "Mutation") { fields { name args { name } } } }`, nil).MustOK(t)
	var out struct {
		Type struct {
			Fields []struct {
				Name string
				Args []struct{ Name string }
			}
		} `json:"__type"`
	}
	r.Decode(t, &out)
	seen := 0
	for _, f := range out.Type.Fields {
		if strings.HasSuffix(f.Name, "Attachment") {
			seen++
			for _, a := range f.Args {
				if a.Name != "documentId" && a.Name != "caseId" && a.Name != "id" && a.Name != "file" && a.Name != "visibleToExternal" {
					t.Errorf("%s takes %s", f.Name, a.Name)
				}
			}
		}
	}
	if seen != 3 {
		t.Fatalf("want add, replace and delete, saw %d", seen)
	}
}

func TestAttachmentSizeLimit(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxAttachmentBytes = 10 })
	w := newAttachmentWorld(t, s, false)
	ok := mustAttachment(t, addAttachment(t, w.author, w.documentID, "dziesięć.txt", "text/plain", []byte("0123456789")), "addAttachment")

	before := attachmentWrites(s)
	for _, r := range []*gqltest.Response{
		addAttachment(t, w.author, w.documentID, "jedenaście.txt", "text/plain", []byte("0123456789A")),
		replaceAttachment(t, w.author, ok.ID, "jedenaście.txt", "text/plain", []byte("0123456789A")),
	} {
		e := r.MustFail(t, "BAD_USER_INPUT")
		if e.Extensions["field"] != "file" || e.Extensions["limit"] != "ATTACHMENT_SIZE" || !strings.Contains(e.Message, "10 bytes") {
			t.Fatalf("size error %+v", e)
		}
	}
	if after := attachmentWrites(s); after != before {
		t.Fatalf("refused uploads left rows: %v → %v", before, after)
	}
}

func TestAttachmentLimitAboveTheDefaultUploadBound(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 26 MiB")
	}
	// A limit above 25 MiB raises the multipart bound with it: a file over 25 MiB is accepted, and
	// one over the configured limit gets the attachment's own error, not the transport's.
	const limit = 26<<20 + 10
	s := gqltest.Start(t, func(c *config.Config) { c.MaxAttachmentBytes = limit })
	w := newAttachmentWorld(t, s, false)
	big := bytes.Repeat([]byte{'x'}, limit)
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "duży.bin", "application/octet-stream", big), "addAttachment")
	if a.Size != limit {
		t.Fatalf("size %d", a.Size)
	}
	e := addAttachment(t, w.author, w.documentID, "za-duży.bin", "", append(big, 'x')).MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["limit"] != "ATTACHMENT_SIZE" {
		t.Fatalf("over the limit: %+v", e)
	}
}

func TestConfidentialAttachmentReadsAreAudited(t *testing.T) {
	s := gqltest.Start(t)
	w := newAttachmentWorld(t, s, true)
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "tajne.txt", "text/plain", []byte("tajne")), "addAttachment")
	var me struct {
		Me struct{ User struct{ ID string } }
	}
	w.reader.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &me)
	readerID := me.Me.User.ID

	before := s.Count(`SELECT count(*) FROM audit_log WHERE user_id = ? AND action = 'attachment.read' AND entity_id = ?`, readerID, a.ID)
	if res, body := fetchAttachment(t, s, w.reader, a.DownloadURL); res.StatusCode != http.StatusOK || string(body) != "tajne" {
		t.Fatalf("download %d %q", res.StatusCode, body)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE user_id = ? AND action = 'attachment.read' AND entity_id = ?`, readerID, a.ID); n != before+1 {
		t.Fatalf("attachment.read records %d → %d", before, n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE user_id = ? AND action = 'document.read' AND entity_id = ?`, readerID, w.documentID); n == 0 {
		t.Fatal("reading a confidential document's attachment is not audited as reading the document")
	}
}
