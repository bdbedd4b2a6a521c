package app_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// The token of a GraphQL request is checked once its operation is parsed, with the case for an
// operation that reads one case (one statement). Whatever the request, a token that does not work
// gets the same answer as before any of it runs: 401, UNAUTHENTICATED, and nothing else — not the
// case, not a syntax or validation error, not NOT_FOUND.
func TestTokenIsCheckedBeforeAnythingAnswers(t *testing.T) {
	s := demoServer(t)
	admin := s.Login("admin@demo.casegate.test", app.DemoPassword)
	var list struct {
		Cases struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	admin.Do(`{ cases(first: 1) { edges { node { id title } } } }`, nil).MustOK(t).Decode(t, &list)
	if len(list.Cases.Edges) != 1 {
		t.Fatalf("demo data: %+v", list)
	}
	id, title := list.Cases.Edges[0].Node.ID, list.Cases.Edges[0].Node.Title
	readCase := `query($id: ID!) { case(id: $id) { id title } }`

	ended := s.Login("admin@demo.casegate.test", app.DemoPassword)
	ended.Do(`query($id: ID!) { case(id: $id) { title } }`, map[string]any{"id": id}).MustOK(t)
	ended.Do(`mutation { logout }`, nil).MustOK(t)

	refused := func(name string, r *gqltest.Response) {
		t.Helper()
		if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Code() != "UNAUTHENTICATED" || r.Data != nil { // nothing ran: no data entry
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
		if bytes.Contains(r.Raw, []byte(title)) {
			t.Errorf("%s: the response shows the case: %s", name, r.Raw)
		}
	}
	for _, c := range []struct {
		name   string
		client *gqltest.Client
	}{{"unknown token", s.WithToken("garbage")}, {"ended session", ended}} {
		refused(c.name+": a case read", c.client.Do(readCase, map[string]any{"id": id}))
		refused(c.name+": a case read through a fragment", c.client.Do(`{ ...F } fragment F on Query { case(id: "`+id+`") { title } }`, nil))
		refused(c.name+": an unknown case", c.client.Do(readCase, map[string]any{"id": "00000000-0000-0000-0000-00000000beef"}))
		refused(c.name+": a malformed id", c.client.Do(readCase, map[string]any{"id": "not-a-uuid"}))
		refused(c.name+": another operation", c.client.Do(`{ me { kind } }`, nil))
		refused(c.name+": an anonymous field", c.client.Do(`mutation { requestPasswordReset(email: "a@casegate.test") }`, nil))
		refused(c.name+": a syntax error", c.client.Do(`{ case(id: `, nil))
		refused(c.name+": a validation error", c.client.Do(`{ case(id: 1) { nope } }`, nil))
		refused(c.name+": a body that is not JSON", c.client.Post([]byte(`{"query":`)))
		refused(c.name+": a GET request", c.client.Send(http.MethodGet, "/graphql?query=%7B%20me%20%7B%20kind%20%7D%20%7D", "", nil))
	}

	// A working token gets what it always got: the case, NOT_FOUND, or GraphQL's own refusals.
	var got struct{ Case struct{ Title string } }
	admin.Do(readCase, map[string]any{"id": id}).MustOK(t).Decode(t, &got)
	if got.Case.Title != title {
		t.Fatalf("case(id) = %+v", got)
	}
	admin.Do(readCase, map[string]any{"id": "00000000-0000-0000-0000-00000000beef"}).MustFail(t, "NOT_FOUND")
	admin.Do(readCase, map[string]any{"id": "not-a-uuid"}).MustFail(t, "NOT_FOUND")
	if r := admin.Do(`{ case(id: `, nil); r.Status == http.StatusUnauthorized || r.Code() == "UNAUTHENTICATED" {
		t.Fatalf("syntax error with a working token: %d %s", r.Status, r.Raw)
	}
	// A case the principal may not read is NOT_FOUND when read with the principal, as it is when
	// read after it (an operation that asks for more).
	guest := s.Login(app.DemoGuestEmail, app.DemoPassword)
	var all, guests struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	admin.Do(`{ cases(first: 50) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &all)
	guest.Do(`{ cases(first: 50) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &guests)
	readable := map[string]bool{}
	for _, e := range guests.Cases.Edges {
		readable[e.Node.ID] = true
	}
	hidden := ""
	for _, e := range all.Cases.Edges {
		if !readable[e.Node.ID] {
			hidden = e.Node.ID
		}
	}
	if hidden == "" || len(readable) == 0 {
		t.Fatalf("demo data: the guest reads %d of %d cases", len(readable), len(all.Cases.Edges))
	}
	for _, q := range []string{readCase, `query($id: ID!) { case(id: $id) { id } me { kind } }`} {
		guest.Do(q, map[string]any{"id": hidden}).MustFail(t, "NOT_FOUND")
	}
	for id := range readable {
		guest.Do(readCase, map[string]any{"id": id}).MustOK(t)
	}
}
