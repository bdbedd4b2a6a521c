package comments

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/users"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

func TestAudience(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name  string
		p     *access.Principal
		want  Audience
		asked *bool
		// visible is the flag a comment written by p gets when it asked for asked.
		visible bool
	}{
		{"employee, default", &access.Principal{Kind: access.KindInternal}, AllComments, nil, false},
		{"employee asks for external", &access.Principal{Kind: access.KindInternal}, AllComments, &yes, true},
		{"system user", access.System(), AllComments, &no, false},
		// Guests read only what is visible to them, and all they write is (they cannot opt out).
		{"guest contact", &access.Principal{Kind: access.KindExternal}, ExternalComments, &no, true},
		{"guest contact, default", &access.Principal{Kind: access.KindExternal}, ExternalComments, nil, true},
		// A temporary session needs its grant's COMMENTS, which grants cannot express yet: nothing.
		{"temporary session", &access.Principal{Kind: access.KindTemporary}, NoComments, &yes, true},
		// Unknown means deny.
		{"unknown kind", &access.Principal{Kind: "ROBOT"}, NoComments, nil, false},
		{"anonymous", nil, NoComments, nil, false},
	} {
		got := AudienceOf(c.p)
		if got != c.want {
			t.Errorf("%s: audience %d, want %d", c.name, got, c.want)
		}
		if got != NoComments && visibleToExternal(got, c.asked) != c.visible {
			t.Errorf("%s: visibleToExternal %v, want %v", c.name, !c.visible, c.visible)
		}
	}
}

func TestBylineNamesNativeOnBehalfOfEffective(t *testing.T) {
	alicja := &users.User{ID: "a", Name: "Alicja Autorka"}
	roman := &users.User{ID: "r", Name: "Roman Czytelnik"}

	// Roman working as Alicja: she is the effective user (the author), he the native one.
	substituting := &access.Principal{Kind: access.KindInternal, UserID: "a", NativeUserID: "r", SubstitutionID: "s"}
	c := authored(substituting)
	if *c.AuthorID != "a" || *c.NativeUserID != "r" || !c.OnBehalf() {
		t.Fatalf("authorship %+v", c)
	}
	if got := c.Byline(Names{Author: alicja, Native: roman}); got != "Roman Czytelnik on behalf of Alicja Autorka" {
		t.Fatalf("byline %q", got)
	}

	// Alicja herself: the native user is the author, and the byline is her name alone.
	c = authored(&access.Principal{Kind: access.KindInternal, UserID: "a", NativeUserID: "a"})
	if c.OnBehalf() {
		t.Fatal("own comment reads as on behalf")
	}
	if got := c.Byline(Names{Author: alicja, Native: alicja}); got != "Alicja Autorka" {
		t.Fatalf("byline %q", got)
	}

	// A guest without a user account is named by its contact.
	c = authored(&access.Principal{Kind: access.KindExternal, ContactID: "k"})
	if got := c.Byline(Names{Contact: &clients.Client{Name: "Jan Kontakt"}}); got != "Jan Kontakt" || c.ContactID == nil || *c.ContactID != "k" {
		t.Fatalf("guest byline %q", got)
	}
}

// TestExternalPrincipalsReadOnlyExternalComments runs the audience filter on a real database: the
// list's one query returns to a guest only what is visible to it, to a temporary session nothing.
func TestExternalPrincipalsReadOnlyExternalComments(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var docID string
	if err := db.NewRaw(`INSERT INTO documents (author_id, title) VALUES (?, 'd') RETURNING id`, access.SystemUserID).Scan(ctx, &docID); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i, visible := range []bool{false, true, false, true} {
		if _, err := db.NewRaw(`INSERT INTO comments (document_id, author_id, text, visible_to_external, created_at) VALUES (?, ?, ?, ?, ?)`,
			docID, access.SystemUserID, string(rune('A'+i)), visible, at.Add(time.Duration(i)*time.Minute)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s := &Service{DB: db, Clock: clockwork.NewFakeClock()}
	for _, c := range []struct {
		p    *access.Principal
		want string
	}{
		{&access.Principal{Kind: access.KindInternal}, "ABCD"},
		{&access.Principal{Kind: access.KindExternal}, "BD"},
		{&access.Principal{Kind: access.KindTemporary}, ""},
	} {
		page, err := s.list(ctx, c.p, "cm.document_id", docID, relay.Args{})
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for _, e := range page.Edges {
			got.WriteString(e.Node.Text)
		}
		if got.String() != c.want {
			t.Errorf("%s reads %q, want %q", c.p.Kind, got.String(), c.want)
		}
	}
}
