package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestIDReachesEveryLogLine(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&buf, nil)))
	h := requestLog(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.ErrorContext(r.Context(), "inside a resolver")
		w.WriteHeader(http.StatusTeapot)
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("X-Request-ID", "req-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-ID") != "req-123" {
		t.Fatalf("response request id = %q", rec.Header().Get("X-Request-ID"))
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines = %q", lines)
	}
	for _, l := range lines {
		if !strings.Contains(l, "request_id=req-123") {
			t.Errorf("line without request id: %s", l)
		}
	}
	if !strings.Contains(lines[1], "status=418") {
		t.Errorf("request line without status: %s", lines[1])
	}
}

func TestLoggedPathHidesAccessTokens(t *testing.T) {
	for path, want := range map[string]string{
		"/access/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG":   "/access/",
		"/access/static/access.js":                              "/access/static/access.js",
		"/activate/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG": "/activate/",
		"/activate/static/activate.js":                          "/activate/static/activate.js",
		"/portal/":                                              "/portal/",
		"/graphql":                                              "/graphql",
	} {
		if got := loggedPath(path); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", path, got, want)
		}
	}
}
