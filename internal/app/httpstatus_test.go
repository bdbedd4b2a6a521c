package app_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// Requests that fail before their operation runs get the status GraphQL over HTTP asks for: 200
// when the response is application/json, 400 when it is application/graphql-response+json, and
// 400 either way when the request is not a GraphQL request at all. Their responses have no data
// entry, and every error has a code.
func TestRequestErrorStatus(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.MaxQueryDepth = 5 })
	admin := s.Admin()
	post := func(query string, vars map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return b
	}
	get := func(query string) string { return "/graphql?" + url.Values{"query": {query}}.Encode() }
	const (
		jsonType    = "application/json"
		graphqlType = "application/graphql-response+json"
	)
	for _, tc := range []struct {
		name, path string
		body       []byte
		reason     string // extensions.reason, or limit for a query over a limit
		// status for application/json and for application/graphql-response+json
		jsonStatus, graphqlStatus int
	}{
		{"document does not parse", "", post(`{ me {`, nil), "GRAPHQL_PARSE_FAILED", 200, 400},
		{"document does not validate", "", post(`{ noSuchField }`, nil), "GRAPHQL_VALIDATION_FAILED", 200, 400},
		{"variables do not coerce", "", post(`query($id: ID!) { __typename }`, map[string]any{"id": nil}), "GRAPHQL_VALIDATION_FAILED", 200, 400},
		{"no such operation", "", []byte(`{"query":"query A { __typename }","operationName":"B"}`), "GRAPHQL_VALIDATION_FAILED", 200, 400},
		{"query over a limit", "", post(`{ me { user { manager { manager { manager { manager { id } } } } } } }`, nil), "DEPTH", 200, 400},
		{"no query", "", []byte(`{"qeury":"{ __typename }"}`), "BAD_REQUEST", 400, 400},
		{"empty query", "", post(" ", nil), "BAD_REQUEST", 400, 400},
		{"body not JSON", "", []byte(`{"query":`), "BAD_REQUEST", 400, 400},
		{"operationName not a string", "", []byte(`{"query":"{ __typename }","operationName":0}`), "BAD_REQUEST", 400, 400},
		{"GET: document does not parse", get(`{ me {`), nil, "GRAPHQL_PARSE_FAILED", 200, 400},
		{"GET: no query", "/graphql", nil, "BAD_REQUEST", 400, 400},
	} {
		for _, accept := range []string{"", "*/*", jsonType, graphqlType, graphqlType + ", application/json;q=0.9"} {
			t.Run(tc.name+"/"+accept, func(t *testing.T) {
				c := *admin
				c.Header = http.Header{}
				if accept != "" {
					c.Header.Set("Accept", accept)
				}
				var r *gqltest.Response
				if tc.path != "" {
					r = c.Send(http.MethodGet, tc.path, "", nil)
				} else {
					r = c.Post(tc.body)
				}
				mediaType, status := jsonType, tc.jsonStatus
				if strings.HasPrefix(accept, graphqlType) {
					mediaType, status = graphqlType, tc.graphqlStatus
				}
				if got, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); got != mediaType || r.Status != status {
					t.Errorf("%d %s, want %d %s", r.Status, got, status, mediaType)
				}
				var entries map[string]json.RawMessage
				_ = json.Unmarshal(r.Raw, &entries)
				if _, ok := entries["data"]; ok {
					t.Errorf("a request that did not run has a data entry: %s", r.Raw)
				}
				e := r.MustFail(t, "BAD_USER_INPUT")
				if e.Extensions["reason"] != tc.reason && e.Extensions["limit"] != tc.reason {
					t.Errorf("extensions %v, want %s", e.Extensions, tc.reason)
				}
			})
		}
	}

	// Operations that run answer 200 with data in either media type, errors of theirs included.
	for _, accept := range []string{jsonType, graphqlType} {
		c := *s.Anonymous()
		c.Header = http.Header{"Accept": {accept}}
		if r := c.Do(`{ __typename }`, nil); r.Status != http.StatusOK || string(r.Data) != `{"__typename":"Query"}` {
			t.Errorf("%s: %d %s", accept, r.Status, r.Raw)
		}
		if r := c.Do(`{ me { kind } }`, nil); r.Status != http.StatusOK || r.Code() != "UNAUTHENTICATED" || r.Data == nil {
			t.Errorf("%s: an operation refused while it runs: %d %s", accept, r.Status, r.Raw)
		}
		// A token that does not work is 401 whatever else is wrong with the request.
		c.Token = "expired"
		if r := c.Do(`{ me {`, nil); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: a broken document with a bad token: %d %s", accept, r.Status, r.Raw)
		}
	}
}
