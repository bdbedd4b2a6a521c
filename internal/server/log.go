package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// logContextKey holds the request's statusWriter, which holds the request's id, and lets a handler
// further in give the request's log line its own context (traced gives it the server span's).
type logContextKey struct{}

// logWith makes ctx the context the request's log line is written with.
func logWith(ctx context.Context) {
	if sw, ok := ctx.Value(logContextKey{}).(*statusWriter); ok {
		sw.ctx = ctx
	}
}

// RequestID returns the id of the request ctx belongs to ("" outside a request).
func RequestID(ctx context.Context) string {
	if sw, ok := ctx.Value(logContextKey{}).(*statusWriter); ok {
		return sw.id
	}
	return ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
	id     string
	ctx    context.Context
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestLog gives each request an id (the client's X-Request-ID when it sends a sane one), returns
// it in the response, and logs one line per request. Bodies are never logged: they hold passwords.
func requestLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK, id: id}
		sw.ctx = context.WithValue(r.Context(), logContextKey{}, sw)
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(sw.ctx))
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		if !logger.Enabled(sw.ctx, level) {
			return
		}
		logger.LogAttrs(sw.ctx, level, "request", slog.String("method", r.Method),
			slog.String("path", loggedPath(r.URL.Path)), slog.Int("status", sw.status),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	})
}

// newRequestID is 8 random bytes in hex.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var h [16]byte
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// LogHandler adds the request id to every record logged with a request's context, so a resolver's
// error log line can be matched with the request line and the client's X-Request-ID; and, when the
// request is traced, the trace id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.IsSampled() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// loggedPath is the path as the request log shows it: an access link's token and an invitation's
// token are credentials, so /access/<token> is logged as /access/ and /activate/<token> as
// /activate/ (the pages' own files as they are).
func loggedPath(path string) string {
	for _, page := range []string{"/access/", "/activate/"} {
		if strings.HasPrefix(path, page) && !strings.HasPrefix(path, page+"static/") {
			return page
		}
	}
	return path
}
