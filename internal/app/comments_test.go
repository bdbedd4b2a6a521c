package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/comments"
	"github.com/casegate/casegate/internal/gqltest"
)

const commentFields = `id text byline visibleToExternal createdAt author { id } nativeUser { id }`

type commentOut struct {
	ID, Text, Byline  string
	VisibleToExternal bool
	CreatedAt         time.Time
	Author            *struct{ ID string }
	NativeUser        *struct{ ID string }
}

type commentPage struct {
	Edges []struct {
		Cursor string
		Node   commentOut
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

func (p commentPage) texts() []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.Text)
	}
	return out
}

func addComment(c *gqltest.Client, vars map[string]any) *gqltest.Response {
	return c.Do(`mutation($c: ID, $d: ID, $t: String!, $v: Boolean) {
		addComment(caseId: $c, documentId: $d, text: $t, visibleToExternal: $v) { `+commentFields+` } }`, vars)
}

func mustComment(t *testing.T, r *gqltest.Response) commentOut {
	t.Helper()
	var out struct{ AddComment commentOut }
	r.MustOK(t).Decode(t, &out)
	return out.AddComment
}

// caseComments reads a page of a case's comments (kind "case") or a document's ("document").
func caseComments(t *testing.T, c *gqltest.Client, kind, id string, first int, after *string) commentPage {
	t.Helper()
	var out map[string]struct{ Comments commentPage }
	c.Do(`query($id: ID!, $f: Int, $a: String) { `+kind+`(id: $id) { comments(first: $f, after: $a) {
		edges { cursor node { `+commentFields+` } } pageInfo { hasNextPage endCursor } } } }`,
		map[string]any{"id": id, "f": first, "a": after}).MustOK(t).Decode(t, &out)
	return out[kind].Comments
}

// commentWorld: Alicja creates a case (creator and assignee), Roman takes part in it (READ),
// Stefan has no rule on it; Alicja's document is shared with nobody.
type commentWorld struct {
	s                                *gqltest.Server
	alicja, roman, stefan            *gqltest.Client
	alicjaID, romanID, caseID, docID string
}

func newCommentWorld(t *testing.T) *commentWorld {
	t.Helper()
	s := gqltest.Start(t)
	admin := s.Admin()
	w := &commentWorld{s: s}
	w.alicjaID = createUser(t, admin, "alicja@casegate.test", "Alicja Autorka")
	w.romanID = createUser(t, admin, "roman@casegate.test", "Roman Czytelnik")
	createUser(t, admin, "stefan@casegate.test", "Stefan Obcy")
	login := func(name string) *gqltest.Client { return s.Login(name+"@casegate.test", "user-password-1") }
	w.alicja, w.roman, w.stefan = login("alicja"), login("roman"), login("stefan")
	var c struct{ CreateSalaryChange struct{ ID string } }
	w.alicja.Do(`mutation { createSalaryChange(input: {}) { id } }`, nil).MustOK(t).Decode(t, &c)
	w.caseID = c.CreateSalaryChange.ID
	w.alicja.Do(`mutation($c: ID!, $u: ID!) { addCaseParticipant(caseId: $c, userId: $u) { id } }`,
		map[string]any{"c": w.caseID, "u": w.romanID}).MustOK(t)
	var d struct{ CreateDocument struct{ ID string } }
	w.alicja.Do(`mutation { createDocument(input: {title: "Notatka"}) { id } }`, nil).MustOK(t).Decode(t, &d)
	w.docID = d.CreateDocument.ID
	return w
}

func commentWrites(s *gqltest.Server) [2]int {
	return [2]int{s.Count(`SELECT count(*) FROM comments`), s.Count(`SELECT count(*) FROM audit_log`)}
}

func TestCommentsOnACase(t *testing.T) {
	w := newCommentWorld(t)
	s := w.s

	// READ is enough to comment: Roman is a participant. The author is Roman, the byline his name,
	// visibleToExternal false unless asked; the text is trimmed.
	c := mustComment(t, addComment(w.roman, map[string]any{"c": w.caseID, "t": "  Proszę o uzupełnienie.  "}))
	if c.Text != "Proszę o uzupełnienie." || c.Byline != "Roman Czytelnik" || c.VisibleToExternal ||
		c.Author == nil || c.Author.ID != w.romanID || c.NativeUser == nil || c.NativeUser.ID != w.romanID {
		t.Fatalf("comment %+v", c)
	}
	if !c.CreatedAt.Equal(s.Clock.Now().Truncate(time.Microsecond)) {
		t.Fatalf("createdAt %v, clock %v", c.CreatedAt, s.Clock.Now())
	}
	s.Clock.Advance(time.Minute)
	ext := mustComment(t, addComment(w.alicja, map[string]any{"c": w.caseID, "t": "Dla klienta", "v": true}))
	if !ext.VisibleToExternal || ext.Byline != "Alicja Autorka" {
		t.Fatalf("comment %+v", ext)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'comment.add' AND entity_id = ? AND user_id = ? AND native_user_id = ?`,
		c.ID, w.romanID, w.romanID); n != 1 {
		t.Fatalf("comment.add audited %d times", n)
	}

	// Failures write nothing: no READ (NOT_FOUND, the case does not exist for Stefan), neither or
	// both targets, empty or too long text, an id that is not one.
	before := commentWrites(s)
	addComment(w.stefan, map[string]any{"c": w.caseID, "t": "hej"}).MustFail(t, "NOT_FOUND")
	w.stefan.Do(`query($id: ID!) { case(id: $id) { comments { edges { node { id } } } } }`, map[string]any{"id": w.caseID}).MustFail(t, "NOT_FOUND")
	for _, bad := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"t": "hej"}, "caseId"},
		{map[string]any{"c": w.caseID, "d": w.docID, "t": "hej"}, "caseId"},
		{map[string]any{"c": w.caseID, "t": " \n\t "}, "text"},
		{map[string]any{"c": w.caseID, "t": strings.Repeat("ż", comments.MaxTextRunes+1)}, "text"},
	} {
		if e := addComment(w.alicja, bad.vars).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != bad.field {
			t.Errorf("%v: field %v, want %s", bad.vars, e.Extensions["field"], bad.field)
		}
	}
	addComment(w.alicja, map[string]any{"c": "not-a-case", "t": "hej"}).MustFail(t, "NOT_FOUND")
	if after := commentWrites(s); after != before {
		t.Fatalf("failed comments left rows: %v → %v", before, after)
	}
	// The longest text allowed is accepted, counted in characters rather than bytes.
	s.Clock.Advance(time.Minute)
	long := mustComment(t, addComment(w.alicja, map[string]any{"c": w.caseID, "t": strings.Repeat("ż", comments.MaxTextRunes)}))

	// Both read the same list, oldest first.
	for _, who := range []*gqltest.Client{w.alicja, w.roman} {
		p := caseComments(t, who, "case", w.caseID, 10, nil)
		if len(p.Edges) != 3 || p.Edges[0].Node.ID != c.ID || p.Edges[1].Node.ID != ext.ID || p.Edges[2].Node.ID != long.ID {
			t.Fatalf("comments in order %s, %s, %s: got %d", c.ID, ext.ID, long.ID, len(p.Edges))
		}
	}
}

func TestCommentsPageOldestFirst(t *testing.T) {
	w := newCommentWorld(t)
	var want []string
	for i := range 5 {
		w.s.Clock.Advance(time.Second)
		text := "komentarz " + string(rune('A'+i))
		author := w.alicja
		if i%2 == 1 {
			author = w.roman
		}
		mustComment(t, addComment(author, map[string]any{"c": w.caseID, "t": text}))
		want = append(want, text)
	}
	// One query per page whatever its size: the authors come through the request's loaders.
	queries := func(first int) int64 {
		before := w.s.Queries()
		caseComments(t, w.roman, "case", w.caseID, first, nil)
		return w.s.Queries() - before
	}
	queries(1) // the process compiles the procedures' settings on the first request after a change
	if one, five := queries(1), queries(5); one != five {
		t.Fatalf("a page of 1 costs %d queries, a page of 5 (two authors) %d", one, five)
	}
	var got []string
	var after *string
	pages := 0
	for {
		p := caseComments(t, w.roman, "case", w.caseID, 2, after)
		got = append(got, p.texts()...)
		pages++
		if !p.PageInfo.HasNextPage {
			break
		}
		after = p.PageInfo.EndCursor
	}
	if strings.Join(got, "|") != strings.Join(want, "|") || pages != 3 {
		t.Fatalf("paged %v in %d pages, want %v in 3", got, pages, want)
	}
	// A cursor of another shape is bad input, not an internal error.
	bad := "bm90LWEtY3Vyc29y"
	w.roman.Do(`query($id: ID!, $a: String) { case(id: $id) { comments(after: $a) { edges { cursor } } } }`,
		map[string]any{"id": w.caseID, "a": bad}).MustFail(t, "BAD_USER_INPUT")
}

func TestCommentsOnADocument(t *testing.T) {
	w := newCommentWorld(t)
	s := w.s
	before := commentWrites(s)
	// Roman has no rule on Alicja's document: it does not exist for him.
	addComment(w.roman, map[string]any{"d": w.docID, "t": "hej"}).MustFail(t, "NOT_FOUND")
	if after := commentWrites(s); after != before {
		t.Fatalf("refused comment left rows: %v → %v", before, after)
	}
	mustComment(t, addComment(w.alicja, map[string]any{"d": w.docID, "t": "Wersja robocza"}))

	// An ACL entry with READ opens the document, and with it its comments for reading and adding.
	w.alicja.Do(`mutation($d: ID!, $u: ID!) { setDocumentAcl(documentId: $d, entries: [{userId: $u, rights: [READ]}]) { id } }`,
		map[string]any{"d": w.docID, "u": w.romanID}).MustOK(t)
	s.Clock.Advance(time.Second)
	c := mustComment(t, addComment(w.roman, map[string]any{"d": w.docID, "t": "Przeczytane"}))
	if c.Byline != "Roman Czytelnik" || c.VisibleToExternal {
		t.Fatalf("comment %+v", c)
	}
	if got := caseComments(t, w.roman, "document", w.docID, 10, nil).texts(); strings.Join(got, "|") != "Wersja robocza|Przeczytane" {
		t.Fatalf("document comments %v", got)
	}
	// The case's comments are apart from the document's.
	if got := caseComments(t, w.alicja, "case", w.caseID, 10, nil).texts(); len(got) != 0 {
		t.Fatalf("case comments %v", got)
	}
	w.stefan.Do(`query($id: ID!) { document(id: $id) { comments { edges { node { id } } } } }`, map[string]any{"id": w.docID}).MustFail(t, "NOT_FOUND")
}

func TestCommentWhileSubstitutingNamesBothUsers(t *testing.T) {
	w := newCommentWorld(t)
	// There is no substitution API yet: build the principal Roman would have while working as
	// Alicja (her permissions, him logged in) and write through the service.
	p := &access.Principal{Kind: access.KindInternal, UserID: w.alicjaID, NativeUserID: w.romanID,
		SubstitutionID: "00000000-0000-0000-0000-0000000000aa"}
	if !p.Substituting() {
		t.Fatal("the principal is not substituting")
	}
	caseID := w.caseID
	if _, err := w.s.App.Resolver.CommentService.Add(context.Background(), p, comments.Input{CaseID: &caseID, Text: "Zatwierdzam"}); err != nil {
		t.Fatal(err)
	}
	got := caseComments(t, w.alicja, "case", w.caseID, 10, nil).Edges
	if len(got) != 1 {
		t.Fatalf("comments %+v", got)
	}
	c := got[0].Node
	if c.Byline != "Roman Czytelnik on behalf of Alicja Autorka" || c.Author.ID != w.alicjaID || c.NativeUser.ID != w.romanID {
		t.Fatalf("comment while substituting %+v", c)
	}
	if n := w.s.Count(`SELECT count(*) FROM audit_log WHERE action = 'comment.add' AND entity_id = ? AND user_id = ? AND native_user_id = ?`,
		c.ID, w.alicjaID, w.romanID); n != 1 {
		t.Fatalf("comment.add with both users audited %d times", n)
	}
}
