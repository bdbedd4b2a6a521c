package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func decodeErrors(t *testing.T, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	var body struct{ Errors []map[string]any }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("response is not JSON: %q", rec.Body.String())
	}
	return body.Errors
}

func TestOversizedUploadIsRefusedWithACode(t *testing.T) {
	h := limitBody(Limits{MaxBytes: 100}, nil, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Fatal("an oversized upload reached GraphQL")
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("--x--"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.ContentLength = maxUploadSize + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	errs := decodeErrors(t, rec)
	if rec.Code != http.StatusRequestEntityTooLarge || len(errs) != 1 {
		t.Fatalf("%d %v", rec.Code, errs)
	}
	if ext, _ := errs[0]["extensions"].(map[string]any); ext["code"] != "BAD_USER_INPUT" || ext["limit"] != "UPLOAD_SIZE" {
		t.Fatalf("extensions = %v", errs[0]["extensions"])
	}
}

// fakeTransport answers like gqlgen's transports do when they refuse a request by themselves, or,
// with opErrs, like they answer a request whose operation could not be created (a parse or
// validation failure): status for application/json, the errors, and data null.
type fakeTransport struct {
	status int
	body   string
	opErrs gqlerror.List
	accept string // the response's media type; application/json when empty
}

func (fakeTransport) Supports(*http.Request) bool { return true }

func (f fakeTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ct := f.accept
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	if f.opErrs != nil {
		oc, errs := exec.CreateOperationContext(r.Context(), &graphql.RawParams{})
		w.WriteHeader(f.status)
		b, _ := json.Marshal(exec.DispatchError(graphql.WithOperationContext(r.Context(), oc), errs))
		_, _ = w.Write(b)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
	}
	_, _ = w.Write([]byte(f.body))
}

// failingExecutor fails every request before its operation, with errs.
type failingExecutor struct{ errs gqlerror.List }

func (e failingExecutor) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{}, e.errs
}

func (failingExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	panic("no operation runs")
}

func (failingExecutor) DispatchError(_ context.Context, errs gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: errs}
}

func coded(code, key, value string) gqlerror.List {
	return gqlerror.List{{Message: "x", Extensions: map[string]any{"code": code, key: value}}}
}

func TestCodedTransport(t *testing.T) {
	const graphqlType = "application/graphql-response+json"
	for _, tc := range []struct {
		name      string
		in        fakeTransport
		status    int
		code      string
		reason    string
		untouched bool
	}{
		{"success passes through", fakeTransport{body: `{"data":{"x":1}}`}, 200, "", "", true},
		{"mutation over GET", fakeTransport{status: 406, body: `{"errors":[{"message":"GET requests only allow query operations"}],"data":null}`}, 405, "BAD_USER_INPUT", "METHOD_NOT_ALLOWED", false},
		{"undecodable", fakeTransport{status: 400, body: `{"errors":[{"message":"variables could not be decoded"}],"data":null}`}, 400, "BAD_USER_INPUT", "BAD_REQUEST", false},
		{"unreadable multipart form", fakeTransport{status: 422, body: `oops`}, 400, "BAD_USER_INPUT", "BAD_REQUEST", false},
		{"coded already", fakeTransport{status: 400, body: `{"errors":[{"message":"x","extensions":{"code":"BAD_USER_INPUT","reason":"BAD_REQUEST"}}],"data":null}`}, 400, "BAD_USER_INPUT", "BAD_REQUEST", false},
		// Requests whose operation could not be created: 200 in application/json, 400 in
		// application/graphql-response+json, 400 in both when there is no GraphQL request.
		{"parse failure, json", fakeTransport{status: 422, opErrs: coded("BAD_USER_INPUT", "reason", "GRAPHQL_PARSE_FAILED")}, 200, "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", false},
		{"parse failure, graphql-response+json", fakeTransport{status: 400, accept: graphqlType, opErrs: coded("BAD_USER_INPUT", "reason", "GRAPHQL_PARSE_FAILED")}, 400, "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", false},
		{"over a limit, json", fakeTransport{status: 200, opErrs: coded("BAD_USER_INPUT", "limit", "DEPTH")}, 200, "BAD_USER_INPUT", "", false},
		{"over a limit, graphql-response+json", fakeTransport{status: 200, accept: graphqlType, opErrs: coded("BAD_USER_INPUT", "limit", "DEPTH")}, 400, "BAD_USER_INPUT", "", false},
		{"no query, json", fakeTransport{status: 200, opErrs: coded("BAD_USER_INPUT", "reason", "BAD_REQUEST")}, 400, "BAD_USER_INPUT", "BAD_REQUEST", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			codedTransport{tc.in, nil}.Do(rec, httptest.NewRequest(http.MethodGet, "/graphql", nil), failingExecutor{tc.in.opErrs})
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.untouched {
				if rec.Body.String() != tc.in.body {
					t.Fatalf("body = %q", rec.Body.String())
				}
				return
			}
			var entries map[string]json.RawMessage
			_ = json.Unmarshal(rec.Body.Bytes(), &entries)
			if _, ok := entries["data"]; ok {
				t.Errorf("a refused request has a data entry: %s", rec.Body)
			}
			errs := decodeErrors(t, rec)
			if len(errs) == 0 {
				t.Fatalf("no errors: %s", rec.Body)
			}
			for _, e := range errs {
				ext, _ := e["extensions"].(map[string]any)
				if ext["code"] != tc.code || tc.reason != "" && ext["reason"] != tc.reason {
					t.Errorf("error %v, want %s/%s", e, tc.code, tc.reason)
				}
			}
		})
	}
}
