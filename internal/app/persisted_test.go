package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/persisted"
)

// apqBody is a POST body with the persistedQuery extension; query "" sends the hash alone.
func apqBody(query, hash string) []byte {
	body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	b, _ := json.Marshal(body)
	return b
}

// apqGet sends the persistedQuery extension over GET, as Apollo's link does with useGETForHashedQueries.
func apqGet(c *gqltest.Client, query, hash string) *gqltest.Response {
	v := url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`}}
	if query != "" {
		v.Set("query", query)
	}
	return c.Send(http.MethodGet, "/graphql?"+v.Encode(), "", nil)
}

// trustedDocuments writes a manifest of docs and sets it as the server's --trusted-documents.
func trustedDocuments(t *testing.T, docs ...string) func(*config.Config) {
	t.Helper()
	m := map[string]string{}
	for _, d := range docs {
		m[persisted.Hash(d)] = d
	}
	b, _ := json.Marshal(m)
	path := filepath.Join(t.TempDir(), "persisted-documents.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config) { c.TrustedDocuments = path }
}

func notFound(t *testing.T, r *gqltest.Response) {
	t.Helper()
	// What Apollo's PersistedQueryLink looks for: the message, or the code.
	if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Message != "PersistedQueryNotFound" ||
		r.Code() != "PERSISTED_QUERY_NOT_FOUND" || string(r.Data) != "null" && len(r.Data) != 0 {
		t.Fatalf("want PersistedQueryNotFound, got %d %s", r.Status, r.Raw)
	}
}

// TestAutomaticPersistedQueries: the APQ round trip over POST and GET — the hash alone is not
// found, the hash with the document runs it and remembers it, then the hash alone runs it; a hash
// that is not the document's is refused; a mutation stays refused over GET however it is sent.
func TestAutomaticPersistedQueries(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	q := `query Me { me { kind user { email } } }`
	h := persisted.Hash(q)
	want := `{"me":{"kind":"INTERNAL","user":{"email":"` + gqltest.AdminEmail + `"}}}`

	notFound(t, admin.Post(apqBody("", h)))
	if r := admin.Post(apqBody(q, h)).MustOK(t); string(r.Data) != want {
		t.Fatalf("hash and query: %s", r.Raw)
	}
	if r := admin.Post(apqBody("", h)).MustOK(t); string(r.Data) != want {
		t.Fatalf("hash alone: %s", r.Raw)
	}
	// Remembered for everyone: an anonymous caller runs it by hash too (and meets requireLogin).
	s.Anonymous().Post(apqBody("", h)).MustFail(t, "UNAUTHENTICATED")

	// Over GET, so that a CDN may cache the response by URL.
	g := `query Groups { groups(first: 5) { edges { node { name } } } }`
	gh := persisted.Hash(g)
	notFound(t, apqGet(admin, "", gh))
	first := apqGet(admin, g, gh).MustOK(t)
	second := apqGet(admin, "", gh).MustOK(t)
	if second.Status != http.StatusOK || string(second.Data) != string(first.Data) || !strings.Contains(string(first.Data), `"groups"`) {
		t.Fatalf("GET by hash: %s, then %s", first.Raw, second.Raw)
	}

	// A hash that is not the document's: refused, clearly, and the document is not remembered.
	other := `query Other { me { kind } }`
	r := admin.Post(apqBody(other, persisted.Hash(other+" ")))
	if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != "PERSISTED_QUERY_HASH_MISMATCH" {
		t.Fatalf("mismatch: %s", r.Raw)
	}
	notFound(t, admin.Post(apqBody("", persisted.Hash(other))))
	notFound(t, admin.Post(apqBody("", persisted.Hash(other+" "))))

	// A mutation: by POST it runs (and is remembered); over GET it is refused, by hash or in full.
	m := `mutation Make { createGroup(name: "Persisted") { id } }`
	mh := persisted.Hash(m)
	admin.Post(apqBody(m, mh)).MustOK(t)
	for _, r := range []*gqltest.Response{apqGet(admin, "", mh), apqGet(admin, m, mh)} {
		if r.Status != http.StatusMethodNotAllowed || r.Errors[0].Extensions["reason"] != "METHOD_NOT_ALLOWED" {
			t.Fatalf("mutation over GET: %d %s", r.Status, r.Raw)
		}
	}
	if n := s.Count(`SELECT count(*) FROM groups WHERE name = 'Persisted'`); n != 1 {
		t.Fatalf("%d groups, want the one made over POST", n)
	}
}

// newGuest makes a guest (an EXTERNAL principal) and returns its client.
func newGuest(t *testing.T, s *gqltest.Server, admin *gqltest.Client) *gqltest.Client {
	t.Helper()
	var company struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	const email = "jan.klient@acme.test"
	contact := newContact(t, admin, "Jan Klient", email, company.CreateCompany.ID)
	enableGuest(t, admin, contact)
	var a activation
	activate(s.Anonymous(), lastInvitation(t, s, email, 1), "guest-password-1").MustOK(t).Decode(t, &a)
	return s.WithToken(a.ActivateAccount.Token)
}

// TestTrustedDocuments: with a manifest, a guest and a temporary-access session run only its
// documents (in full, by hash without any APQ round trip, or by APQ) and the pages' own; an
// unlisted document is OPERATION_NOT_TRUSTED even once the APQ cache knows it. Employees and
// anonymous callers are not restricted.
func TestTrustedDocuments(t *testing.T) {
	listed := `query Mine { me { kind contact { name } } }`
	s := gqltest.Start(t, trustedDocuments(t, listed))
	admin := s.Admin()
	guest := newGuest(t, s, admin)

	want := `{"me":{"kind":"EXTERNAL","contact":{"name":"Jan Klient"}}}`
	if r := guest.Do(listed, nil).MustOK(t); string(r.Data) != want {
		t.Fatalf("listed, in full: %s", r.Raw)
	}
	if r := guest.Post(apqBody("", persisted.Hash(listed))).MustOK(t); string(r.Data) != want {
		t.Fatalf("listed, by hash alone: %s", r.Raw)
	}
	if r := apqGet(guest, "", persisted.Hash(listed)).MustOK(t); string(r.Data) != want {
		t.Fatalf("listed, by hash over GET: %s", r.Raw)
	}

	// The trusted-documents convention: the id alone, with or without its algorithm.
	for _, id := range []string{persisted.Hash(listed), "sha256:" + persisted.Hash(listed)} {
		body, _ := json.Marshal(map[string]any{"documentId": id, "variables": map[string]any{}})
		if r := guest.Post(body).MustOK(t); string(r.Data) != want {
			t.Fatalf("documentId %s by POST: %s", id, r.Raw)
		}
		if r := guest.Send(http.MethodGet, "/graphql?"+url.Values{"documentId": {id}}.Encode(), "", nil).MustOK(t); string(r.Data) != want {
			t.Fatalf("documentId %s by GET: %s", id, r.Raw)
		}
	}
	body, _ := json.Marshal(map[string]any{"documentId": "md5:abc"})
	if r := guest.Post(body); r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != "PERSISTED_QUERY_INVALID" {
		t.Fatalf("documentId of another algorithm: %s", r.Raw)
	}

	unlisted := `query Mine { me { kind } }`
	refused := func(what string, r *gqltest.Response) {
		t.Helper()
		if r.Code() != "OPERATION_NOT_TRUSTED" || string(r.Data) != "null" && len(r.Data) != 0 {
			t.Fatalf("%s: %s", what, r.Raw)
		}
	}
	refused("unlisted, in full", guest.Do(unlisted, nil))
	refused("unlisted, with its hash", guest.Post(apqBody(unlisted, persisted.Hash(unlisted))))
	refused("unlisted, by hash once cached", guest.Post(apqBody("", persisted.Hash(unlisted))))
	refused("unlisted mutation", guest.Do(`mutation { logout }`, nil))
	// The portal's own documents stay open.
	guest.Do(`query Me { me { user { name } contact { name company { name } } } }`, nil).MustOK(t)

	// An employee runs anything; the anonymous caller's login is not in the manifest either.
	if r := admin.Do(unlisted, nil).MustOK(t); string(r.Data) != `{"me":{"kind":"INTERNAL"}}` {
		t.Fatalf("employee: %s", r.Raw)
	}
	s.Login(gqltest.AdminEmail, gqltest.AdminPassword)

	// A temporary-access session is restricted like a guest.
	w := newTempWorld(t, s)
	w.grant(t, nil)
	link := inviteLink(t, s)
	requestCode(s.Anonymous(), link).MustOK(t)
	temp := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	refused("temporary, unlisted", temp.Do(unlisted, nil))
	if r := temp.Do(listed, nil).MustOK(t); !strings.Contains(string(r.Data), `"TEMPORARY"`) {
		t.Fatalf("temporary, listed: %s", r.Raw)
	}
}

// TestTrustedDocumentsCheckedAtStart: a manifest that cannot be read, is not JSON, holds a wrong
// hash or a document the schema refuses stops the server at start, naming the option.
func TestTrustedDocumentsCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	doc := `{ me { kind } }`
	cases := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.json"), "cannot read"},
		{"not JSON", write("broken.json", `{"`), "not a JSON object"},
		{"wrong hash", write("hash.json", `{"`+persisted.Hash(doc+" ")+`": "`+doc+`"}`), "is not the SHA-256 of its document"},
		{"not in the schema", write("schema.json", `{"`+persisted.Hash(`{ nothing }`)+`": "{ nothing }"}`), `Cannot query field "nothing"`},
	}
	db := dbtest.Open(t, dbtest.NewURL(t))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.TrustedDocuments = c.path
			a, err := app.New(context.Background(), cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
			if err == nil {
				_ = a.Close()
				t.Fatal("the server started")
			}
			if !strings.HasPrefix(err.Error(), "CASEGATE_TRUSTED_DOCUMENTS (--trusted-documents): ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want one containing %q", err, c.want)
			}
		})
	}
}
