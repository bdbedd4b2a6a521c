package server

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/casegate/casegate/internal/auth"
)

// uploadMemory is the multipart transport's MaxMemory. gqlgen reads the files of a request shorter
// than it into memory and spools those of longer requests to temporary files (os.TempDir), so a
// file in flight costs a small copy buffer, not its size, and the store reads it from disk.
const uploadMemory = 64 << 10

// boundUploads is the edge of a multipart request (a GraphQL upload), after authenticate and
// limitBody:
//   - a request without a principal is UNAUTHENTICATED before it takes anything: no operation
//     open to anonymous callers takes an Upload (anonymousFields);
//   - it takes a transfer slot (RATE_LIMITED over a bound) for the whole request;
//   - it reads the parts before the first file (operations, map) within the same bound as a JSON
//     body (DOCUMENT_SIZE), since gqlgen decodes them whole, and refuses a map gqlgen cannot
//     follow safely (checkUploadMap);
//   - a request without Content-Length (chunked) is announced at the upload bound, since gqlgen
//     would read the files of a request of unknown length into memory.
func boundUploads(l Limits, t *transfers, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" || params["boundary"] == "" {
			next.ServeHTTP(w, r)
			return
		}
		if auth.PrincipalFrom(r.Context()) == nil {
			m.refused("UNAUTHENTICATED")
			writeErrors(w, http.StatusUnauthorized, "uploading a file needs a login", map[string]any{"code": "UNAUTHENTICATED"})
			return
		}
		release, refused := t.acquire(r, true)
		if refused != "" {
			refuseTransfer(w, m, refused)
			return
		}
		defer release()
		if r.ContentLength < 0 {
			r.ContentLength = l.uploadBytes()
		}
		body, head, tooLarge := replayHead(r.Body, params["boundary"], l.documentBytes())
		if tooLarge {
			m.refused("BAD_USER_INPUT")
			writeErrors(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the operations and map of the upload are over the limit of %d bytes", l.documentBytes()),
				map[string]any{"code": "BAD_USER_INPUT", "limit": "DOCUMENT_SIZE"})
			return
		}
		if head != nil {
			if err := checkUploadMap(head.operations, head.uploadMap); err != nil {
				m.refused("BAD_USER_INPUT")
				writeErrors(w, http.StatusBadRequest, err.Error(), map[string]any{"code": "BAD_USER_INPUT", "reason": reasonBadRequest})
				return
			}
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{body, r.Body}
		next.ServeHTTP(w, r)
	})
}

// uploadHead is the operations and map parts of a multipart request.
type uploadHead struct{ operations, uploadMap []byte }

// replayHead reads the first two parts of a multipart body, at most max bytes, and returns a
// reader that replays what it read followed by the rest. head is nil unless they are the
// operations and the map, in that order; gqlgen refuses such a malformed form itself. The parts are
// read whatever their file name, since gqlgen looks at their form names only.
func replayHead(body io.Reader, boundary string, max int64) (_ io.Reader, head *uploadHead, tooLarge bool) {
	var seen bytes.Buffer
	limited := &io.LimitedReader{R: body, N: max}
	mr := multipart.NewReader(io.TeeReader(limited, &seen), boundary)
	var parts [2][]byte
	for i, name := range []string{"operations", "map"} {
		p, err := mr.NextPart()
		if err != nil {
			return io.MultiReader(&seen, body), nil, limited.N <= 0
		}
		if p.FormName() != name {
			return io.MultiReader(&seen, body), nil, false
		}
		if parts[i], err = io.ReadAll(p); err != nil {
			return io.MultiReader(&seen, body), nil, limited.N <= 0
		}
	}
	return io.MultiReader(&seen, body), &uploadHead{operations: parts[0], uploadMap: parts[1]}, false
}

// documentBytes bounds a request body that is decoded whole: four times --max-query-bytes (room
// for variables) and 1 MiB.
func (l Limits) documentBytes() int64 { return int64(l.MaxBytes)*4 + (1 << 20) }
