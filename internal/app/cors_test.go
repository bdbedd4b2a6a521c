package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

const (
	portalOrigin = "https://portal.example.com"
	otherOrigin  = "https://evil.example.com"
)

// corsRequest sends a request with an Origin (none when origin is empty) and more headers, and
// returns the response with its body read.
func corsRequest(t *testing.T, s *gqltest.Server, method, path, origin string, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return sendAs(t, nil, req)
}

var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Access-Control-Max-Age", "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials"}

func noCORSHeaders(t *testing.T, what string, res *http.Response) {
	t.Helper()
	for _, h := range corsHeaders {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("%s: %s: %s, want none", what, h, v)
		}
	}
}

func varyOrigin(t *testing.T, what string, res *http.Response) {
	t.Helper()
	for _, v := range res.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Origin") {
				return
			}
		}
	}
	t.Errorf("%s: Vary %q lacks Origin", what, res.Header.Values("Vary"))
}

func preflight(method string, headers string) map[string]string {
	return map[string]string{"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}
}

// Pages of the origins listed in --cors-origins may call /graphql and download attachments with a
// bearer token; pages of any other origin get no CORS header, so browsers keep them out.
func TestCORSAllowsTheListedOrigins(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.CORSOrigins = []string{portalOrigin, "http://localhost:5173"} })
	w := newAttachmentWorld(t, s, false)
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "umowa.txt", "text/plain", []byte("treść")), "addAttachment")

	for _, path := range []string{"/graphql", "/attachments/" + a.ID} {
		methods := "GET, POST"
		if path != "/graphql" {
			methods = "GET"
		}
		// The preflight of an allowed origin: 204 with what may be sent, never credentials.
		res, _ := corsRequest(t, s, http.MethodOptions, path, portalOrigin, "", preflight("POST", "authorization,content-type"))
		h := res.Header
		if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != portalOrigin ||
			h.Get("Access-Control-Allow-Methods") != methods || h.Get("Access-Control-Max-Age") != "7200" {
			t.Errorf("%s preflight: %d %v", path, res.StatusCode, h)
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name", "x-casegate-preview-as"} {
			if !strings.Contains(allowed, want) {
				t.Errorf("%s preflight: Access-Control-Allow-Headers %q lacks %s", path, allowed, want)
			}
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s preflight allows credentials", path)
		}
		varyOrigin(t, path+" preflight", res)
		// Any other origin, or one differing only in scheme or port, gets no CORS header.
		for _, origin := range []string{otherOrigin, "http://portal.example.com", "https://portal.example.com:8443", "null"} {
			res, _ = corsRequest(t, s, http.MethodOptions, path, origin, "", preflight("POST", "authorization,content-type"))
			noCORSHeaders(t, path+" preflight from "+origin, res)
			varyOrigin(t, path+" preflight from "+origin, res)
		}
	}

	// Requests of an allowed origin carry Access-Control-Allow-Origin, their errors (401) too.
	query := `{"query":"{ me { kind } }"}`
	authJSON := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + w.reader.Token}
	res, body := corsRequest(t, s, http.MethodPost, "/graphql", "http://localhost:5173", query, authJSON)
	if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID") || strings.Contains(string(body), `"errors"`) {
		t.Errorf("POST from an allowed origin: %d %v %s", res.StatusCode, res.Header, body)
	}
	varyOrigin(t, "POST", res)
	res, _ = corsRequest(t, s, http.MethodPost, "/graphql", portalOrigin, query, map[string]string{"Content-Type": "application/json", "Authorization": "Bearer expired"})
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("Access-Control-Allow-Origin") != portalOrigin {
		t.Errorf("401 to an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	res, body = corsRequest(t, s, http.MethodPost, "/graphql", otherOrigin, query, authJSON)
	noCORSHeaders(t, "POST from another origin", res)
	varyOrigin(t, "POST from another origin", res)
	if res.StatusCode != http.StatusOK { // the server answers; the browser keeps the page from reading it
		t.Errorf("POST from another origin: %d %s", res.StatusCode, body)
	}
	res, _ = corsRequest(t, s, http.MethodGet, "/graphql?query=%7B__typename%7D", "", "", nil)
	noCORSHeaders(t, "GET without an origin", res)
	varyOrigin(t, "GET without an origin", res)

	// A download: the page may read the file name.
	res, body = corsRequest(t, s, http.MethodGet, "/attachments/"+a.ID, portalOrigin, "", map[string]string{"Authorization": "Bearer " + w.reader.Token})
	if res.StatusCode != http.StatusOK || string(body) != "treść" || res.Header.Get("Access-Control-Allow-Origin") != portalOrigin ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Content-Disposition") {
		t.Errorf("download from an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	varyOrigin(t, "download", res)
	res, _ = corsRequest(t, s, http.MethodGet, "/attachments/"+a.ID, otherOrigin, "", map[string]string{"Authorization": "Bearer " + w.reader.Token})
	noCORSHeaders(t, "download from another origin", res)
}

// Without --cors-origins nothing changes: no CORS header on any answer, and OPTIONS answers as
// before.
func TestNoCORSByDefault(t *testing.T) {
	s := gqltest.Start(t)
	res, _ := corsRequest(t, s, http.MethodOptions, "/graphql", portalOrigin, "", preflight("POST", "content-type"))
	noCORSHeaders(t, "preflight", res)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Allow"), "POST") || len(res.Header.Values("Vary")) != 0 {
		t.Errorf("OPTIONS /graphql: %d %v", res.StatusCode, res.Header)
	}
	res, _ = corsRequest(t, s, http.MethodPost, "/graphql", portalOrigin, `{"query":"{ __typename }"}`, map[string]string{"Content-Type": "application/json"})
	noCORSHeaders(t, "POST", res)
	res, _ = corsRequest(t, s, http.MethodOptions, "/attachments/x", portalOrigin, "", preflight("GET", "authorization"))
	noCORSHeaders(t, "attachment preflight", res)
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS /attachments/x: %d", res.StatusCode)
	}
}
