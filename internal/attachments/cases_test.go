package attachments

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/procedures"
)

// caseWorld is a candidate questionnaire at CANDIDATE_DATA with an assignee (WRITE), a reader
// (case ACL: READ), a villain (no rule) and temporary grants on it.
type caseWorld struct {
	db                       *bun.DB
	clock                    *clockwork.FakeClock
	svc                      *Service
	caseID                   string
	writer, reader, villain  string
	grantID, otherStageGrant string
	validFrom, validUntil    time.Time
}

func newCaseWorld(t *testing.T) *caseWorld {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	w := &caseWorld{db: db, clock: clock, grantID: "00000000-0000-0000-0000-0000000000a1",
		otherStageGrant: "00000000-0000-0000-0000-0000000000a2",
		validFrom:       clock.Now().Add(-time.Hour), validUntil: clock.Now().Add(time.Hour)}
	w.svc = &Service{DB: db, Clock: clock, Store: PGStore{DB: db},
		Cases: &cases.Service{DB: db, Clock: clock, Registry: procedures.Registry}}
	for _, u := range []*string{&w.writer, &w.reader, &w.villain} {
		if err := db.NewRaw(`INSERT INTO users (email, name) VALUES (gen_random_uuid()::text || '@x.test', 'U') RETURNING id`).Scan(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.NewRaw(`INSERT INTO cases (procedure, stage, title, creator_id) VALUES ('candidate-questionnaire', 'CANDIDATE_DATA', 'k', ?) RETURNING id`,
		w.writer).Scan(ctx, &w.caseID); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO case_tasks (case_id, user_id, stage) VALUES (?0, ?1, 'CANDIDATE_DATA')`,
		`INSERT INTO case_acl (case_id, user_id, level) VALUES (?0, ?2, 1)`,
		// The grants the temporary principals stand for: their writes check them in the database.
		`INSERT INTO temporary_access_grants (id, case_id, email, login_method, stages, link_hash, valid_from, valid_until)
		 VALUES (?3, ?0, 'kandydat@x.test', 'EMAIL_CODE', '{CANDIDATE_DATA}', sha256('a'), ?5, ?6),
		        (?4, ?0, 'kandydat@x.test', 'EMAIL_CODE', '{HR_REVIEW}', sha256('b'), ?5, ?6)`,
	} {
		if _, err := db.NewRaw(q, w.caseID, w.writer, w.reader, w.grantID, w.otherStageGrant, w.validFrom, w.validUntil).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *caseWorld) internal(id string) *access.Principal {
	return &access.Principal{Kind: access.KindInternal, UserID: id, NativeUserID: id, At: w.clock.Now()}
}

// temporary is a session of a grant on the case at stage, opening parts.
func (w *caseWorld) temporary(grantID, stage string, parts ...access.Part) *access.Principal {
	return &access.Principal{Kind: access.KindTemporary, GrantID: grantID, At: w.clock.Now(),
		Temporary: &access.TemporaryAccess{GrantID: grantID, CaseID: w.caseID, Email: "kandydat@x.test", Stages: []string{stage},
			Parts: parts, ValidFrom: w.validFrom, ValidUntil: w.validUntil}}
}

func file(name, body string) File {
	return File{Name: name, ContentType: "text/plain", Size: int64(len(body)), Body: strings.NewReader(body)}
}

// errIs matches err against a sentinel; nil wants no error.
func errIs(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// TestCaseAttachmentMatrix runs every operation on a case's attachment as every kind of principal,
// denials included, each with the rule that decides it.
func TestCaseAttachmentMatrix(t *testing.T) {
	w := newCaseWorld(t)
	ctx := context.Background()
	notFound, forbidden := apperr.ErrNotFound, apperr.ErrForbidden
	for _, c := range []struct {
		name     string
		p        *access.Principal
		get      error // loading the case (cases.Service.Get)
		listed   bool  // the attachment is in ListOnCase
		open     error
		add      error
		replace  error
		deletion error
	}{
		{"assignee (WRITE)", w.internal(w.writer), nil, true, nil, nil, nil, nil},
		// READ through the case ACL: lists and downloads; writes are FORBIDDEN (the case is visible).
		{"reader (READ)", w.internal(w.reader), nil, true, nil, forbidden, forbidden, forbidden},
		// No rule gives the villain READ: the case and its attachments do not exist for it.
		{"villain", w.internal(w.villain), notFound, false, notFound, notFound, notFound, notFound},
		// TEMPORARY_GRANT gives WRITE at the grant's stage; ATTACHMENTS opens the part.
		// The person adds files, and may replace or delete those, but not the organisation's.
		{"grant opening ATTACHMENTS", w.temporary(w.grantID, "CANDIDATE_DATA", access.PartAttachments), nil, true, nil, nil, forbidden, forbidden},
		// The grant does not open ATTACHMENTS: an empty list, NOT_FOUND by id, FORBIDDEN to add.
		{"grant without ATTACHMENTS", w.temporary(w.grantID, "CANDIDATE_DATA", access.PartComments), nil, false, notFound, forbidden, notFound, notFound},
		// The case is not at the grant's stage: no rule gives READ, whatever the parts.
		{"grant for another stage", w.temporary(w.otherStageGrant, "HR_REVIEW", access.PartAttachments), notFound, false, notFound, notFound, notFound, notFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			shared := true // the person sees it: the grant's case below is about what it may do with it
			a, err := w.svc.AddToCase(ctx, w.internal(w.writer), w.caseID, file("cv.txt", "cv"), &shared)
			if err != nil {
				t.Fatal(err)
			}
			kase, err := w.svc.Cases.Get(ctx, c.p, w.caseID)
			if !errIs(err, c.get) {
				t.Fatalf("get case: %v, want %v", err, c.get)
			}
			if err == nil {
				list, err := w.svc.ListOnCase(ctx, c.p, kase)
				if err != nil {
					t.Fatal(err)
				}
				listed := slices.ContainsFunc(list, func(x Attachment) bool { return x.ID == a.ID })
				if listed != c.listed {
					t.Fatalf("listed %v, want %v (%d attachments)", listed, c.listed, len(list))
				}
			}
			_, rc, err := w.svc.Open(ctx, c.p, a.ID)
			if !errIs(err, c.open) {
				t.Fatalf("open: %v, want %v", err, c.open)
			}
			if err == nil {
				b, _ := io.ReadAll(rc)
				_ = rc.Close()
				if string(b) != "cv" {
					t.Fatalf("content %q", b)
				}
			}
			before := w.rows(t)
			added, err := w.svc.AddToCase(ctx, c.p, w.caseID, file("list.txt", "list"), nil)
			if !errIs(err, c.add) {
				t.Fatalf("add: %v, want %v", err, c.add)
			}
			if err == nil {
				if added.CaseID == nil || *added.CaseID != w.caseID || added.DocumentID != nil || deref(added.GrantID) != c.p.GrantID ||
					deref(added.CreatedByID) != c.p.UserID {
					t.Fatalf("added %+v", added)
				}
			} else if after := w.rows(t); after != before {
				t.Fatalf("refused add left rows: %v → %v", before, after)
			}
			if added != nil { // what one added, one may replace and delete
				if _, err := w.svc.Replace(ctx, c.p, added.ID, file("list2.txt", "list 2"), nil); err != nil {
					t.Fatalf("replace own: %v", err)
				}
				if _, err := w.svc.Delete(ctx, c.p, added.ID); err != nil {
					t.Fatalf("delete own: %v", err)
				}
			}
			if _, err := w.svc.Replace(ctx, c.p, a.ID, file("cv2.txt", "cv 2"), nil); !errIs(err, c.replace) {
				t.Fatalf("replace: %v, want %v", err, c.replace)
			}
			if _, err := w.svc.Delete(ctx, c.p, a.ID); !errIs(err, c.deletion) {
				t.Fatalf("delete: %v, want %v", err, c.deletion)
			}
		})
	}
}

// rows counts what attachment writes leave behind: metadata, content and audit records.
func (w *caseWorld) rows(t *testing.T) [3]int {
	t.Helper()
	var out [3]int
	for i, q := range []string{`SELECT count(*) FROM attachments`, `SELECT count(*) FROM attachment_chunks`, `SELECT count(*) FROM audit_log`} {
		if err := w.db.NewRaw(q).Scan(context.Background(), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCaseAttachmentWrites(t *testing.T) {
	w := newCaseWorld(t)
	ctx := context.Background()
	p := w.temporary(w.grantID, "CANDIDATE_DATA", access.PartAttachments)

	// The grant's upload names the grant and no user; the audit record names the case.
	a, err := w.svc.AddToCase(ctx, p, strings.ToUpper(w.caseID), file(`C:\cv.txt`, "cv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "cv.txt" || deref(a.CaseID) != w.caseID || deref(a.GrantID) != w.grantID || a.CreatedByID != nil {
		t.Fatalf("added %+v", a)
	}
	if c, err := w.svc.Case(ctx, p, a); err != nil || c.ID != w.caseID {
		t.Fatalf("case of the attachment: %v %v", c, err)
	}
	var changed []string
	if err := w.db.NewRaw(`SELECT changed_fields FROM audit_log WHERE action = 'attachment.add' AND entity_id = ? AND grant_id = ?`,
		a.ID, w.grantID).Scan(ctx, pgdialect.Array(&changed)); err != nil {
		t.Fatal(err)
	}
	if len(changed) == 0 || changed[0] != "caseId" {
		t.Fatalf("changed fields %v", changed)
	}

	// Replacing keeps createdAt and moves modifiedAt; deleting removes the content and audits.
	w.clock.Advance(time.Minute)
	b, err := w.svc.Replace(ctx, p, a.ID, file("cv2.txt", "cv 2"), nil)
	if err != nil || !b.CreatedAt.Equal(a.CreatedAt) || !b.ModifiedAt.Equal(w.clock.Now().UTC().Truncate(time.Microsecond)) || b.Size != 4 {
		t.Fatalf("replaced %+v %v", b, err)
	}
	d, err := w.svc.Delete(ctx, p, a.ID)
	if err != nil || d.LoadedDocument() != nil {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if n := w.rows(t); n[0] != 0 || n[1] != 0 {
		t.Fatalf("left after delete: %v", n)
	}
	if _, err := w.svc.Delete(ctx, p, a.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}

	// An empty or malformed case id names no case (never a document).
	for _, id := range []string{"", "not-a-case"} {
		if _, err := w.svc.AddToCase(ctx, w.internal(w.writer), id, file("x.txt", "x"), nil); !errors.Is(err, apperr.ErrNotFound) || !strings.HasPrefix(err.Error(), "case") {
			t.Fatalf("add to case %q: %v", id, err)
		}
	}

	// Adding is FORBIDDEN with the reason when the grant does not open attachments.
	_, err = w.svc.AddToCase(ctx, w.temporary(w.grantID, "CANDIDATE_DATA"), w.caseID, file("x.txt", "x"), nil)
	if !errors.Is(err, apperr.ErrForbidden) || !strings.Contains(err.Error(), "the temporary access grant does not open attachments") {
		t.Fatalf("add without the part: %v", err)
	}
}

func TestAttachmentHasExactlyOneOwner(t *testing.T) {
	w := newCaseWorld(t)
	ctx := context.Background()
	var docID string
	if err := w.db.NewRaw(`INSERT INTO documents (author_id, title) VALUES (?, 'd') RETURNING id`, w.writer).Scan(ctx, &docID); err != nil {
		t.Fatal(err)
	}
	for _, owners := range [][2]any{{nil, nil}, {docID, w.caseID}} {
		_, err := w.db.NewRaw(`INSERT INTO attachments (document_id, case_id, name, content_type, size, sha256) VALUES (?, ?, 'a', 'text/plain', 0, '')`,
			owners[0], owners[1]).Exec(ctx)
		if err == nil {
			t.Fatalf("an attachment with owners %v was stored", owners)
		}
	}
}

// An employee's file is internal unless shared: external principals do not see it at all, what they
// add is shared, and sharing can be switched on a replace.
func TestCaseAttachmentSharing(t *testing.T) {
	w := newCaseWorld(t)
	ctx := context.Background()
	person := w.temporary(w.grantID, "CANDIDATE_DATA", access.PartAttachments)
	internal, err := w.svc.AddToCase(ctx, w.internal(w.writer), w.caseID, file("hr-notes.txt", "notes"), nil)
	if err != nil || internal.VisibleToExternal {
		t.Fatalf("employee's file: %+v, %v", internal, err)
	}
	theirs, err := w.svc.AddToCase(ctx, person, w.caseID, file("cv.txt", "cv"), new(bool))
	if err != nil || !theirs.VisibleToExternal {
		t.Fatalf("person's file: %+v, %v", theirs, err)
	}
	kase, err := w.svc.Cases.Get(ctx, person, w.caseID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := w.svc.ListOnCase(ctx, person, kase)
	if err != nil || len(list) != 1 || list[0].ID != theirs.ID {
		t.Fatalf("the person lists %+v, %v", list, err)
	}
	if _, _, err := w.svc.Open(ctx, person, internal.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("the person opens an internal file: %v", err)
	}
	if _, err := w.svc.Delete(ctx, person, internal.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("the person deletes an internal file: %v", err)
	}
	shared := true
	if _, err := w.svc.Replace(ctx, w.internal(w.writer), internal.ID, file("hr-notes.txt", "notes v2"), &shared); err != nil {
		t.Fatal(err)
	}
	if _, rc, err := w.svc.Open(ctx, person, internal.ID); err != nil {
		t.Fatalf("shared on replace, still hidden: %v", err)
	} else {
		_ = rc.Close()
	}
}
