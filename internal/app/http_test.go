package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/relay"
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
	// Bodies that are not a GraphQL request at all: BAD_USER_INPUT with reason BAD_REQUEST, a fixed
	// message, and nothing of the body in the answer or the log (it may hold a password).
	const secret = "Tr0ub4dor&3-in-the-body"
	for _, tc := range []struct{ name, body string }{
		{"non-string query", `{"query": 42}`},
		{"trailing comma", `{"query": "mutation { login(email: \"a@casegate.test\", password: \"` + secret + `\") { token } }",}`},
		{"variables not an object", `{"query": "{ me { kind } }", "variables": "str"}`},
		{"not JSON", `query=` + secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []*gqltest.Client{admin, s.Anonymous()} {
				r := c.Post([]byte(tc.body))
				e := r.MustFail(t, "BAD_USER_INPUT")
				if e.Extensions["reason"] != "BAD_REQUEST" {
					t.Errorf("reason = %v, want BAD_REQUEST", e.Extensions["reason"])
				}
				if r.Status != http.StatusBadRequest {
					t.Errorf("status = %d, want 400", r.Status)
				}
				if strings.Contains(e.Message, secret) || strings.Contains(e.Message, "body") && strings.Contains(e.Message, "{") {
					t.Errorf("message repeats the body: %q", e.Message)
				}
			}
		})
	}
	if logs := s.Logs(); strings.Contains(logs, secret) {
		t.Fatalf("the request body reached the log:\n%s", logs)
	}
	// A body over the cap (four times the document limit plus 1 MiB) is refused before it is read whole.
	huge := `{"query": "{ me { kind } }", "variables": {"x": "` + strings.Repeat("y", 4*2000+(1<<20)) + `"}}`
	r := admin.Post([]byte(huge))
	if e := r.MustFail(t, "BAD_USER_INPUT"); e.Extensions["limit"] != "DOCUMENT_SIZE" {
		t.Fatalf("oversized body: limit = %v (%s)", e.Extensions["limit"], e.Message)
	}
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: status %d, want 413", r.Status)
	}
}

// Requests the GraphQL transports refuse before any operation exists still answer in GraphQL's
// shape, every error with a code.
func TestTransportErrorsHaveCodes(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	q := url.Values{"query": {`mutation { createGroup(name: "Via GET") { id } }`}}.Encode()
	for _, tc := range []struct {
		name, method, path, contentType, body, reason string
		status                                        int
	}{
		{"mutation over GET", http.MethodGet, "/graphql?" + q, "", "", "METHOD_NOT_ALLOWED", http.StatusMethodNotAllowed},
		{"unsupported content type", http.MethodPost, "/graphql", "text/plain", `{"query":"{ me { kind } }"}`, "UNSUPPORTED_MEDIA_TYPE", http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPost, "/graphql", "", `{"query":"{ me { kind } }"}`, "UNSUPPORTED_MEDIA_TYPE", http.StatusUnsupportedMediaType},
		{"unsupported method", http.MethodPut, "/graphql", "application/json", `{"query":"{ me { kind } }"}`, "METHOD_NOT_ALLOWED", http.StatusMethodNotAllowed},
		{"GET with broken variables", http.MethodGet, "/graphql?query=%7B%20me%20%7B%20kind%20%7D%20%7D&variables=%7Bnope", "", "", "BAD_REQUEST", http.StatusBadRequest},
		{"broken multipart form", http.MethodPost, "/graphql", "multipart/form-data; boundary=xyz", "nonsense", "BAD_REQUEST", http.StatusBadRequest},
		// A GraphQL request that fails: 200 in application/json (TestRequestErrorStatus has the rest).
		{"GET with a broken document", http.MethodGet, "/graphql?query=%7B%20me%20%7B", "", "", "GRAPHQL_PARSE_FAILED", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := admin.Send(tc.method, tc.path, tc.contentType, []byte(tc.body))
			if len(r.Errors) == 0 {
				t.Fatalf("no error: %d %s", r.Status, r.Data)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["reason"] != tc.reason {
					t.Errorf("error %q: extensions %v, want BAD_USER_INPUT/%s", e.Message, e.Extensions, tc.reason)
				}
			}
			if r.Status != tc.status {
				t.Errorf("status = %d, want %d", r.Status, tc.status)
			}
		})
	}
	if n := s.Count(`SELECT count(*) FROM groups WHERE name = 'Via GET'`); n != 0 {
		t.Fatal("a mutation ran over GET")
	}
	// Queries over GET still work.
	r := admin.Send(http.MethodGet, "/graphql?query=%7B%20me%20%7B%20kind%20%7D%20%7D", "", nil)
	r.MustOK(t)
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

// The operation label of /metrics is chosen by clients: anonymous requests all count as
// "anonymous", and an authenticated client cannot create more than a bounded number of series.
func TestMetricsOperationLabelsAreBounded(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	s.Anonymous().Do(`query Chosen_By_A_Stranger { __typename }`, nil).MustOK(t)
	for i := range 130 {
		admin.Do(fmt.Sprintf(`query Op%d { me { kind } }`, i), nil).MustOK(t)
	}
	admin.Do(`{ me { kind } }`, nil).MustOK(t)
	_, metrics := s.Get("/metrics")
	series := map[string]bool{}
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "casegate_graphql_requests_total{") {
			op := line[strings.Index(line, `operation="`)+len(`operation="`):]
			series[op[:strings.Index(op, `"`)]] = true
		}
	}
	if series["Chosen_By_A_Stranger"] || !series["anonymous"] {
		t.Errorf("anonymous requests labelled by their own name: %v", series)
	}
	if !series["Op0"] || !series["other"] || !series["unnamed"] {
		t.Errorf("series lack Op0, other or unnamed: %v", series)
	}
	if len(series) > 100+3 {
		t.Fatalf("%d operation series, want at most 100 names plus anonymous, unnamed and other", len(series))
	}
}

// Malformed ids in filters find nothing; malformed ids in cursors are the cursor's fault. Neither
// reaches PostgreSQL as a cast error (INTERNAL).
func TestMalformedIDsInFiltersAndCursors(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	admin.Do(`mutation { createPosition(name: "HQ") { id } }`, nil).MustOK(t)
	for _, q := range []string{
		`{ auditLog(filter: {userId: "x"}) { edges { cursor } } }`,
		`{ users(filter: {groupId: "x"}) { edges { cursor } } }`,
		`{ positions(parentId: "x") { edges { cursor } } }`,
	} {
		var out map[string]struct{ Edges []any }
		admin.Do(q, nil).MustOK(t).Decode(t, &out)
		for k, v := range out {
			if len(v.Edges) != 0 {
				t.Errorf("%s: %s has %d edges, want none", q, k, len(v.Edges))
			}
		}
	}
	forged := relay.Encode("Administrator", "not-a-uuid")
	for _, list := range []string{"users", "groups", "positions"} {
		e := admin.Do(`query($a: String) { `+list+`(after: $a) { edges { cursor } } }`, map[string]any{"a": forged}).MustFail(t, "BAD_USER_INPUT")
		if e.Extensions["field"] != "after" {
			t.Errorf("%s: field = %v, want after", list, e.Extensions["field"])
		}
	}
	// A cursor of the right shape still works.
	var page struct {
		Users struct{ PageInfo struct{ EndCursor string } }
	}
	admin.Do(`{ users(first: 1) { pageInfo { endCursor } } }`, nil).MustOK(t).Decode(t, &page)
	admin.Do(`query($a: String) { users(after: $a) { edges { cursor } } }`, map[string]any{"a": page.Users.PageInfo.EndCursor}).MustOK(t)
}

func TestBearerSchemeIgnoresCase(t *testing.T) {
	s := gqltest.Start(t)
	token := s.Admin().Token
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ me { kind } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", scheme+" "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data   struct{ Me struct{ Kind string } }
			Errors []gqltest.Error
		}
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || body.Data.Me.Kind != "INTERNAL" {
			t.Errorf("%s: %d %+v", scheme, res.StatusCode, body)
		}
	}
}

// The viewer's session expiry comes with the principal: asking for it costs no query of its own.
func TestSessionExpiresAtNeedsNoQuery(t *testing.T) {
	s := gqltest.Start(t)
	var l struct {
		Login struct {
			Token     string
			ExpiresAt time.Time
		}
	}
	login(s.Anonymous(), gqltest.AdminEmail, gqltest.AdminPassword).MustOK(t).Decode(t, &l)
	c := s.WithToken(l.Login.Token)
	before := s.Queries()
	var me struct {
		Me struct{ Kind string }
	}
	c.Do(`{ me { kind } }`, nil).MustOK(t).Decode(t, &me)
	base := s.Queries() - before
	before = s.Queries()
	var out struct {
		Me struct{ SessionExpiresAt time.Time }
	}
	c.Do(`{ me { kind sessionExpiresAt } }`, nil).MustOK(t).Decode(t, &out)
	if n := s.Queries() - before; n != base {
		t.Fatalf("sessionExpiresAt cost %d queries beyond the principal's %d", n-base, base)
	}
	if d := out.Me.SessionExpiresAt.Sub(l.Login.ExpiresAt); d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("sessionExpiresAt = %v, want the login's %v", out.Me.SessionExpiresAt, l.Login.ExpiresAt)
	}
}

// The link in the reset mail opens a page of casegate's own that calls resetPassword.
func TestResetPasswordPage(t *testing.T) {
	s := gqltest.Start(t)
	res, err := http.Get(s.URL + "/reset-password?token=abc")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /reset-password = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// What the page does is TestResetPasswordPageInBrowser's; its script is a file of its own.
	for _, want := range []string{`type="password"`, `<script src="/reset-password/static/reset.js">`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page headers: %v", res.Header)
	}
	if strings.Contains(body, "abc") {
		t.Error("the page echoes the token from the URL")
	}
}
