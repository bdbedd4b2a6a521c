package server

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// uploadMemory is the multipart transport's MaxMemory. gqlgen reads the files of a request shorter
// than it into memory and spools those of longer requests to temporary files (os.TempDir), so a
// file in flight costs a small copy buffer, not its size, and the store reads it from disk.
const uploadMemory = 64 << 10

// boundUploads is the edge of a multipart request (a GraphQL upload), after limitBody:
//   - it takes a transfer slot (RATE_LIMITED over a bound) for the whole request;
//   - it reads the parts before the first file (operations, map) within the same bound as a JSON
//     body (DOCUMENT_SIZE), since gqlgen decodes them whole;
//   - a request without Content-Length (chunked) is announced at the upload bound, since gqlgen
//     would read the files of a request of unknown length into memory.
func boundUploads(l Limits, t *transfers, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" || params["boundary"] == "" {
			next.ServeHTTP(w, r)
			return
		}
		release, ok := t.acquire(r, true)
		if !ok {
			refuseTransfer(w, m, t)
			return
		}
		defer release()
		if r.ContentLength < 0 {
			r.ContentLength = l.uploadBytes()
		}
		body, tooLarge := replayHead(r.Body, params["boundary"], l.documentBytes())
		if tooLarge {
			m.refused("BAD_USER_INPUT")
			writeErrors(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the operations and map of the upload are over the limit of %d bytes", l.documentBytes()),
				map[string]any{"code": "BAD_USER_INPUT", "limit": "DOCUMENT_SIZE"})
			return
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{body, r.Body}
		next.ServeHTTP(w, r)
	})
}

// replayHead reads the parts of a multipart body before its first file, at most max bytes, and
// returns a reader that replays what it read followed by the rest. Malformed forms are left to the
// transport to refuse.
func replayHead(body io.Reader, boundary string, max int64) (_ io.Reader, tooLarge bool) {
	var seen bytes.Buffer
	limited := &io.LimitedReader{R: body, N: max}
	mr := multipart.NewReader(io.TeeReader(limited, &seen), boundary)
	for range 2 { // operations, map
		p, err := mr.NextPart()
		if err != nil {
			tooLarge = limited.N <= 0
			break
		}
		if p.FileName() != "" {
			break
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			tooLarge = limited.N <= 0
			break
		}
	}
	return io.MultiReader(&seen, body), tooLarge
}

// documentBytes bounds a request body that is decoded whole: four times --max-query-bytes (room
// for variables) and 1 MiB.
func (l Limits) documentBytes() int64 { return int64(l.MaxBytes)*4 + (1 << 20) }
