package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Reasons (extensions.reason) of BAD_USER_INPUT errors that the HTTP edge gives before GraphQL runs.
const (
	reasonBadRequest           = "BAD_REQUEST"            // not a GraphQL request (see graph.ReasonBadRequest)
	reasonMethodNotAllowed     = "METHOD_NOT_ALLOWED"     // a mutation over GET, or a method other than GET and POST
	reasonUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" // a POST that is neither JSON nor multipart
)

// writeErrors answers a request that never reached GraphQL (or that gqlgen answered by itself) in
// GraphQL's response shape, with the one error's extensions and, since nothing ran, no data entry.
func writeErrors(w http.ResponseWriter, status int, message string, ext map[string]any) {
	b, _ := json.Marshal(withoutData{Errors: gqlerror.List{{Message: message, Extensions: ext}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// maxUploadSize bounds a multipart request (uploads) unless Limits.MaxUploadBytes says otherwise;
// the multipart transport enforces it while reading, limitBody refuses a request that announces
// more at once.
const maxUploadSize = 25 << 20

// limitBody caps the request body, so an oversized document is refused before it is read whole,
// with BAD_USER_INPUT and extensions.limit DOCUMENT_SIZE like a document over --max-query-bytes.
// Uploads have their own, larger bound (limit UPLOAD_SIZE).
func limitBody(l Limits, m *Metrics, next http.Handler) http.Handler {
	max := l.documentBytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			if r.ContentLength > l.uploadBytes() {
				// gqlgen would answer this with status 200 and an error without a code.
				m.refused("BAD_USER_INPUT")
				writeErrors(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is over the limit of %d bytes", l.uploadBytes()),
					map[string]any{"code": "BAD_USER_INPUT", "limit": "UPLOAD_SIZE"})
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			m.refused("BAD_USER_INPUT")
			writeErrors(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over the limit of %d bytes", max),
				map[string]any{"code": "BAD_USER_INPUT", "limit": "DOCUMENT_SIZE"})
			return
		case err != nil:
			m.refused("BAD_USER_INPUT")
			writeErrors(w, http.StatusBadRequest, "the request body could not be read",
				map[string]any{"code": "BAD_USER_INPUT", "reason": reasonBadRequest})
			return
		}
		body = documentIDBody(body)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// refuseTransport is the last transport: it takes every request the real ones do not support and
// answers it with a coded error (gqlgen's own answer, "transport not supported", has no code).
type refuseTransport struct{ metrics *Metrics }

func (refuseTransport) Supports(*http.Request) bool { return true }

func (t refuseTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	t.metrics.refused("BAD_USER_INPUT")
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		writeErrors(w, http.StatusMethodNotAllowed, "GraphQL requests are GET (queries only) or POST",
			map[string]any{"code": "BAD_USER_INPUT", "reason": reasonMethodNotAllowed})
		return
	}
	writeErrors(w, http.StatusUnsupportedMediaType, "a GraphQL POST request is application/json (or multipart/form-data for uploads)",
		map[string]any{"code": "BAD_USER_INPUT", "reason": reasonUnsupportedMediaType})
}

// codedTransport wraps each of gqlgen's HTTP transports (GET, POST, multipart) and settles what
// they answer to requests that fail before any operation runs (status.go):
//   - their own refusals, written straight to the response without a code (GET: a mutation over
//     GET, variables that are not JSON; POST: a body that is not JSON; multipart: a form that cannot
//     be parsed), get one, and status 400 (405 for a mutation over GET);
//   - request errors (a document that does not parse or validate, variables that do not coerce, a
//     query over a limit, no query at all) get the status GraphQL over HTTP asks for, which depends
//     on the media type of the response;
//   - none of these responses has a data entry: nothing was executed.
//
// Responses of operations that ran pass through untouched.
type codedTransport struct {
	graphql.Transport
	metrics *Metrics
}

func (t codedTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	watch := &watchedExecutor{GraphExecutor: exec}
	cw := &codingWriter{ResponseWriter: w, exec: watch}
	t.Transport.Do(cw, r, watch)
	cw.finish(t.metrics)
}

// watchedExecutor notes whether the request failed before its operation could be created.
type watchedExecutor struct {
	graphql.GraphExecutor
	failed bool
}

func (e *watchedExecutor) CreateOperationContext(ctx context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	oc, errs := e.GraphExecutor.CreateOperationContext(ctx, p)
	if len(errs) > 0 {
		e.failed = true
	}
	return oc, errs
}

// codingWriter passes the responses of operations through and holds back the others (a status of
// 400 and above, or any response to a request that failed before its operation), so that their
// errors can be coded and their status settled before they are written.
type codingWriter struct {
	http.ResponseWriter
	exec   *watchedExecutor
	status int
	held   bool
	body   bytes.Buffer
}

func (w *codingWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	w.held = status >= 400 || w.exec.failed
	if !w.held {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *codingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.held {
		return w.ResponseWriter.Write(b)
	}
	return w.body.Write(b)
}

func (w *codingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *codingWriter) finish(m *Metrics) {
	if !w.held {
		return
	}
	status, reason := w.status, reasonBadRequest
	switch {
	case w.exec.failed:
		status = 0 // requestErrorStatus decides, below
	case status == http.StatusNotAcceptable: // gqlgen's answer to a mutation over GET
		status, reason = http.StatusMethodNotAllowed, reasonMethodNotAllowed
		w.Header().Set("Allow", "POST")
	case status == http.StatusUnprocessableEntity: // a multipart form gqlgen could not read
		status = http.StatusBadRequest
	}
	var resp graphql.Response
	if err := json.Unmarshal(w.body.Bytes(), &resp); err != nil || len(resp.Errors) == 0 {
		resp.Errors = gqlerror.List{{Message: strings.ToLower(http.StatusText(w.status))}}
	}
	for _, e := range resp.Errors {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		if e.Extensions["code"] == nil {
			m.refused("BAD_USER_INPUT")
			e.Extensions["code"] = "BAD_USER_INPUT"
			e.Extensions["reason"] = reason
		}
	}
	if status == 0 {
		status = requestErrorStatus(w.Header().Get("Content-Type"), resp.Errors)
	}
	b, _ := json.Marshal(withoutData{Errors: resp.Errors, Extensions: resp.Extensions})
	if w.Header().Get("Content-Type") == "" { // GET refuses a query string that does not parse before it sets one
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(b)
}
