package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/attachments"
	"github.com/casegate/casegate/internal/auth"
)

// uploadOverhead is the room a multipart request needs beside its file: the operations, the map and
// the parts' headers. GraphQL documents are bounded by --max-query-bytes well below it.
const uploadOverhead = 1 << 20

// UploadBound is the bound of a whole multipart request for files of up to maxAttachment bytes, so
// that a file just over the attachment limit gets the attachment's own error (ATTACHMENT_SIZE)
// rather than the transport's (UPLOAD_SIZE).
func UploadBound(maxAttachment int64) int64 {
	if maxAttachment <= 0 {
		maxAttachment = attachments.DefaultMaxBytes
	}
	return maxAttachment + uploadOverhead
}

// uploadBytes is the bound of a multipart request: MaxUploadBytes, else the built-in default.
func (l Limits) uploadBytes() int64 {
	if l.MaxUploadBytes > 0 {
		return l.MaxUploadBytes
	}
	return maxUploadSize
}

// download serves GET /attachments/{id}: the content of an attachment whose document or case the
// caller may read (attachments.Service.Open decides, a temporary session's grant included), after
// authenticate has resolved the bearer token. Without a token it is 401; an attachment the caller
// may not read is 404, exactly like one that does not exist. Errors have GraphQL's response shape,
// as everywhere on the edge.
//
// The content streams chunk by chunk (attachments.PGStore), each chunk read in its own statement,
// so a slow client holds no pool connection, and one chunk of memory. A download takes a transfer
// slot (429 with Retry-After over a bound) and lasts as long as the client keeps taking chunks:
// each must be written within transferStall, else the connection is closed.
func download(svc *attachments.Service, slots *transfers, m *Metrics, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.PrincipalFrom(r.Context())
		if p != nil { // without one, Open answers UNAUTHENTICATED before any content is read
			release, refused := slots.acquire(r, false)
			if refused != "" {
				refuseTransfer(w, m, refused)
				return
			}
			defer release()
		}
		a, content, err := svc.Open(r.Context(), p, r.PathValue("id"))
		switch {
		case errors.Is(err, apperr.ErrUnauthenticated):
			writeErrors(w, http.StatusUnauthorized, "authentication required", map[string]any{"code": "UNAUTHENTICATED"})
			return
		case errors.Is(err, apperr.ErrNotFound):
			writeErrors(w, http.StatusNotFound, apperr.ErrNotFound.Error(), map[string]any{"code": "NOT_FOUND"})
			return
		case err != nil:
			logger.ErrorContext(r.Context(), "download attachment", "err", err)
			writeErrors(w, http.StatusInternalServerError, "internal error", map[string]any{"code": "INTERNAL"})
			return
		}
		defer content.Close()
		h := w.Header()
		h.Set("Content-Type", a.ContentType)
		h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
		h.Set("Content-Disposition", contentDisposition(a.Name))
		h.Set("X-Content-Type-Options", "nosniff")
		// The content is the user's, not the server's: never run it as a page of this origin, and do
		// not let shared caches keep what only some principals may read.
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "private, no-store")
		// A content replaced or deleted meanwhile ends the response short of Content-Length, which
		// the client sees as a failed download rather than a mix of two files.
		if _, err := io.Copy(stallWriter{w, http.NewResponseController(w)}, content); err != nil {
			logger.DebugContext(r.Context(), "download attachment ended early", "err", err)
		}
	})
}

// contentDisposition makes the file a download named name, encoded as RFC 8187's ext-value so
// that any name (quotes, semicolons, non-ASCII) arrives intact and cannot break the header.
func contentDisposition(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("attachment; filename*=UTF-8''")
	for i := 0; i < len(name); i++ {
		c := name[i]
		if attrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// attrChar reports whether c may stand unencoded in an RFC 8187 value (attr-char).
func attrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// transferStall is how long a download may take to hand one chunk to its client. It replaces the
// server's write timeout (the whole exchange), so a large file reaches a slow but steady client
// (a 256 KiB chunk a minute is about 4 KiB/s) while a stalled one is cut off.
const transferStall = time.Minute

// stallWriter moves the connection's write deadline before each write.
type stallWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (s stallWriter) Write(p []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(transferStall)) // not every writer supports it (tests)
	return s.w.Write(p)
}
