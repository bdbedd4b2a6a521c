package app_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// caseAttachmentFields are the fields the case attachment tests read.
const caseAttachmentFields = `id name size createdAt modifiedAt createdBy { id } downloadUrl document { id } case { id }`

type caseAttachmentOut struct {
	ID, Name, DownloadURL string
	Size                  int64
	CreatedAt, ModifiedAt time.Time
	CreatedBy             *struct{ ID string }
	Document              *struct{ ID string }
	Case                  *struct{ ID string }
}

// attach sends addAttachment with the variables c (caseId) and d (documentId) as given.
func attach(t *testing.T, c *gqltest.Client, vars map[string]any, name string, data []byte) *gqltest.Response {
	t.Helper()
	return uploadFile(t, c, `mutation($c: ID, $d: ID, $file: Upload!) { addAttachment(caseId: $c, documentId: $d, file: $file) { `+
		caseAttachmentFields+` } }`, vars, name, "text/plain", data)
}

func mustCaseAttachment(t *testing.T, r *gqltest.Response, field string) caseAttachmentOut {
	t.Helper()
	var out map[string]caseAttachmentOut
	r.MustOK(t).Decode(t, &out)
	return out[field]
}

func caseAttachments(t *testing.T, c *gqltest.Client, caseID string) []caseAttachmentOut {
	t.Helper()
	var out struct {
		Case struct{ Attachments []caseAttachmentOut }
	}
	c.Do(`query($id: ID!) { case(id: $id) { attachments { `+caseAttachmentFields+` } } }`, map[string]any{"id": caseID}).MustOK(t).Decode(t, &out)
	return out.Case.Attachments
}

// TestAttachmentsFollowTheCase: Alicja (creator and assignee: WRITE) adds, replaces and deletes
// attachments of the case itself; Roman (participant: READ) lists and downloads them; Stefan (no
// rule) does not see the case or its attachments at all.
func TestAttachmentsFollowTheCase(t *testing.T) {
	w := newCommentWorld(t)
	s := w.s
	data := []byte("list motywacyjny")

	a := mustCaseAttachment(t, attach(t, w.alicja, map[string]any{"c": w.caseID}, "list.txt", data), "addAttachment")
	if a.Case == nil || a.Case.ID != w.caseID || a.Document != nil || a.CreatedBy == nil || a.CreatedBy.ID != w.alicjaID ||
		a.Name != "list.txt" || a.Size != int64(len(data)) || a.DownloadURL != "/attachments/"+a.ID {
		t.Fatalf("attachment %+v", a)
	}
	s.Clock.Advance(time.Second) // lists are ordered by creation time
	b := mustCaseAttachment(t, attach(t, w.alicja, map[string]any{"c": w.caseID}, "cv.txt", []byte("cv")), "addAttachment")
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'attachment.add' AND entity_id = ? AND changed_fields[1] = 'caseId'`, a.ID); n != 1 {
		t.Fatalf("attachment.add audited %d times", n)
	}

	// Roman (READ) lists oldest first and downloads.
	if list := caseAttachments(t, w.roman, w.caseID); len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].Case.ID != w.caseID {
		t.Fatalf("attachments %+v", list)
	}
	if res, body := fetchAttachment(t, s, w.roman, a.DownloadURL); res.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download: %d %q", res.StatusCode, body)
	}

	// Roman may not write (FORBIDDEN: he reads the case); for Stefan the case does not exist
	// (NOT_FOUND: no rule gives him READ). Neither leaves anything behind.
	before := attachmentWrites(s)
	for _, c := range []struct {
		who  *gqltest.Client
		code string
	}{{w.roman, "FORBIDDEN"}, {w.stefan, "NOT_FOUND"}} {
		attach(t, c.who, map[string]any{"c": w.caseID}, "x.txt", []byte("x")).MustFail(t, c.code)
		replaceAttachment(t, c.who, a.ID, "x.txt", "text/plain", []byte("x")).MustFail(t, c.code)
		c.who.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": a.ID}).MustFail(t, c.code)
	}
	if after := attachmentWrites(s); after != before {
		t.Fatalf("refused writes left rows: %v → %v", before, after)
	}
	w.stefan.Do(`query($id: ID!) { case(id: $id) { id attachments { id } } }`, map[string]any{"id": w.caseID}).MustFail(t, "NOT_FOUND")
	downloadFails(t, s, w.stefan, a.DownloadURL, http.StatusNotFound, "NOT_FOUND")
	downloadFails(t, s, nil, a.DownloadURL, http.StatusUnauthorized, "UNAUTHENTICATED")
	attach(t, w.alicja, map[string]any{"c": "not-a-case"}, "x.txt", []byte("x")).MustFail(t, "NOT_FOUND")

	// Exactly one of caseId and documentId.
	for _, vars := range []map[string]any{{}, {"c": w.caseID, "d": w.docID}} {
		if e := attach(t, w.alicja, vars, "x.txt", []byte("x")).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "documentId" {
			t.Errorf("%v: field %v", vars, e.Extensions["field"])
		}
	}
	if after := attachmentWrites(s); after != before {
		t.Fatalf("refused writes left rows: %v → %v", before, after)
	}

	// Alicja replaces (createdAt stays) and deletes; deleting a case's attachment returns no document.
	s.Clock.Advance(time.Hour)
	r := mustCaseAttachment(t, uploadFile(t, w.alicja, `mutation($id: ID!, $file: Upload!) { replaceAttachment(id: $id, file: $file) { `+
		caseAttachmentFields+` } }`, map[string]any{"id": a.ID}, "list v2.txt", "text/plain", []byte("v2")), "replaceAttachment")
	if r.ID != a.ID || r.Name != "list v2.txt" || !r.CreatedAt.Equal(a.CreatedAt) || !r.ModifiedAt.After(a.ModifiedAt) || r.Case == nil || r.Case.ID != w.caseID {
		t.Fatalf("replaced %+v", r)
	}
	if _, body := fetchAttachment(t, s, w.roman, a.DownloadURL); string(body) != "v2" {
		t.Fatalf("download after replace: %q", body)
	}
	var del struct{ DeleteAttachment *struct{ ID string } }
	w.alicja.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": a.ID}).MustOK(t).Decode(t, &del)
	if del.DeleteAttachment != nil {
		t.Fatalf("deleting a case's attachment returned %+v", del.DeleteAttachment)
	}
	if list := caseAttachments(t, w.alicja, w.caseID); len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("after delete: %+v", list)
	}
	downloadFails(t, s, w.alicja, a.DownloadURL, http.StatusNotFound, "NOT_FOUND")
	for action, want := range map[string]int{"attachment.add": 2, "attachment.replace": 1, "attachment.delete": 1} {
		if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = ? AND user_id = ? AND entity = 'attachment'`, action, w.alicjaID); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
}

// TestDocumentAttachmentsBesideCaseOnes: the same mutation still attaches to documents, whose
// attachments have a document and no case, and a case's attachments stay off the document's list.
func TestDocumentAttachmentsBesideCaseOnes(t *testing.T) {
	w := newCommentWorld(t)
	d := mustCaseAttachment(t, attach(t, w.alicja, map[string]any{"d": w.docID}, "notatka.txt", []byte("n")), "addAttachment")
	if d.Document == nil || d.Document.ID != w.docID || d.Case != nil {
		t.Fatalf("document attachment %+v", d)
	}
	mustCaseAttachment(t, attach(t, w.alicja, map[string]any{"c": w.caseID}, "sprawa.txt", []byte("s")), "addAttachment")
	var out struct {
		Document struct{ Attachments []struct{ ID string } }
	}
	w.alicja.Do(`query($d: ID!) { document(id: $d) { attachments { id } } }`, map[string]any{"d": w.docID}).MustOK(t).Decode(t, &out)
	if len(out.Document.Attachments) != 1 || out.Document.Attachments[0].ID != d.ID {
		t.Fatalf("document attachments %+v", out.Document.Attachments)
	}
	if list := caseAttachments(t, w.alicja, w.caseID); len(list) != 1 || list[0].Name != "sprawa.txt" {
		t.Fatalf("case attachments %+v", list)
	}
}
