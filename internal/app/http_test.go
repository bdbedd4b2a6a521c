package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

func TestQueryLimits(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxQueryDepth, c.MaxComplexity, c.MaxQueryBytes = 5, 300, 2000 })
	admin := s.Admin()
	for _, tc := range []struct{ name, query, limit string }{
		{"too deep", `{ me { user { manager { manager { manager { manager { id } } } } } } }`, "DEPTH"},
		{"too deep through a fragment", `{ me { user { ...M } } } fragment M on User { manager { manager { manager { manager { id } } } } }`, "DEPTH"},
		{"too complex", `{ users(first: 200) { edges { node { id email groups { id name } } } } }`, "COMPLEXITY"},
		{"too large", `{ me { kind } } # ` + strings.Repeat("x", 2000), "DOCUMENT_SIZE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.Do(tc.query, nil)
			e := r.MustFail(t, "BAD_USER_INPUT")
			if e.Extensions["limit"] != tc.limit {
				t.Fatalf("limit = %v, want %s (%s)", e.Extensions["limit"], tc.limit, e.Message)
			}
			if string(r.Data) != "null" && len(r.Data) != 0 {
				t.Fatalf("a refused query ran: %s", r.Data)
			}
		})
	}
	// Within the bounds, and GraphiQL's introspection, work.
	admin.Do(`{ me { user { manager { id } } } }`, nil).MustOK(t)
	s.Anonymous().Do(`{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }`, nil).MustOK(t)
	// Malformed documents.
	admin.Do(`{ me { `, nil).MustFail(t, "BAD_USER_INPUT")
	admin.Do(`{ noSuchField }`, nil).MustFail(t, "BAD_USER_INPUT")
	admin.Do(`mutation { setUserStatus(id: "x", status: ON_HOLIDAY) { id } }`, nil).MustFail(t, "BAD_USER_INPUT")
	r := admin.Post([]byte(`{"query": 42}`))
	if r.Code() != "BAD_USER_INPUT" && r.Status != http.StatusBadRequest {
		t.Fatalf("non-string query: %d %+v", r.Status, r.Errors)
	}
}

func TestUnknownIdsAreNotFound(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	for _, q := range []string{
		`{ user(id: "00000000-0000-0000-0000-00000000beef") { id } }`,
		`{ user(id: "not-a-uuid") { id } }`,
		`{ group(id: "not-a-uuid") { id } }`,
		`{ position(id: "00000000-0000-0000-0000-00000000beef") { id } }`,
		`mutation { setUserStatus(id: "00000000-0000-0000-0000-00000000beef", status: BLOCKED) { id } }`,
	} {
		admin.Do(q, nil).MustFail(t, "NOT_FOUND")
	}
}

func TestBearerTokens(t *testing.T) {
	s := gqltest.Start(t)
	s.WithToken("garbage").Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ me { kind } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic YWRtaW46YWRtaW4=")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Errors []gqltest.Error }
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusUnauthorized || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("non-bearer authorization: %d %+v", res.StatusCode, body)
	}
	// Anonymous callers may log in, but nothing else outside the public list.
	s.Anonymous().Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	s.Anonymous().Do(`mutation { requestPasswordReset(email: "a@casegate.test") }`, nil).MustOK(t)
}

func TestOperationalEndpoints(t *testing.T) {
	s := gqltest.Start(t)
	if code, body := s.Get("/healthz"); code != 200 || body != "ok" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := s.Get("/readyz"); code != 200 || body != "ready" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if code, body := s.Get("/"); code != 200 || !strings.Contains(body, "graphiql") {
		t.Fatalf("GraphiQL page = %d", code)
	}
	admin := s.Admin()
	admin.Do(`query Who { me { kind } }`, nil).MustOK(t)
	admin.Do(`mutation { createGroup(name: "") { id } }`, nil).MustFail(t, "BAD_USER_INPUT")
	r := admin.Do(`{ me { kind } }`, nil)
	if len(r.Header.Get("X-Request-ID")) == 0 {
		t.Fatal("no X-Request-ID in response")
	}
	_, metrics := s.Get("/metrics")
	for _, want := range []string{
		`casegate_graphql_requests_total{operation="Who",type="query"} 1`,
		`casegate_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`casegate_graphql_request_duration_seconds_bucket{operation="Who"`,
		`go_sql_max_open_connections{db_name="casegate"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Readiness follows the database.
	_ = s.DB.Close()
	if code, _ := s.Get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database closed = %d", code)
	}
}
