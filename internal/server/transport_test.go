package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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

// fakeTransport answers like gqlgen's transports do when they refuse a request by themselves.
type fakeTransport struct {
	status int
	body   string
}

func (fakeTransport) Supports(*http.Request) bool { return true }

func (f fakeTransport) Do(w http.ResponseWriter, _ *http.Request, _ graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
	}
	_, _ = w.Write([]byte(f.body))
}

func TestCodedTransport(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        fakeTransport
		status    int
		code      string
		reason    string
		untouched bool
	}{
		{"success passes through", fakeTransport{0, `{"data":{"x":1}}`}, 200, "", "", true},
		{"mutation over GET", fakeTransport{406, `{"errors":[{"message":"GET requests only allow query operations"}],"data":null}`}, 405, "BAD_USER_INPUT", "METHOD_NOT_ALLOWED", false},
		{"undecodable", fakeTransport{400, `{"errors":[{"message":"variables could not be decoded"}],"data":null}`}, 400, "BAD_USER_INPUT", "BAD_REQUEST", false},
		{"not even JSON", fakeTransport{422, `oops`}, 422, "BAD_USER_INPUT", "BAD_REQUEST", false},
		{"coded already", fakeTransport{422, `{"errors":[{"message":"x","extensions":{"code":"BAD_USER_INPUT","reason":"GRAPHQL_PARSE_FAILED"}}],"data":null}`}, 422, "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			codedTransport{tc.in, nil}.Do(rec, httptest.NewRequest(http.MethodGet, "/graphql", nil), nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.untouched {
				if rec.Body.String() != tc.in.body {
					t.Fatalf("body = %q", rec.Body.String())
				}
				return
			}
			for _, e := range decodeErrors(t, rec) {
				ext, _ := e["extensions"].(map[string]any)
				if ext["code"] != tc.code || ext["reason"] != tc.reason {
					t.Errorf("error %v, want %s/%s", e, tc.code, tc.reason)
				}
			}
		})
	}
}
