package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/casegate/casegate/internal/auth"
)

// schemaSDL serves GET /schema.graphql: the schema in GraphQL's schema language, as gqlparser's
// formatter writes the schema the server executes, so it holds what introspection gives (types,
// fields, arguments, descriptions, deprecations), for code generators and for people who would
// rather read it than click through the docs. It is made once: the schema does not change while
// the server runs.
//
// With authenticatedOnly (--introspection authenticated) it follows introspection: a request
// without a session is 401 UNAUTHENTICATED, in GraphQL's response shape like every refusal of the
// edge. A token that does not work is 401 either way (authenticate).
func schemaSDL(schema *ast.Schema, authenticatedOnly bool) http.Handler {
	var b bytes.Buffer
	formatter.NewFormatter(&b).FormatSchema(schema)
	sdl := b.Bytes()
	sum := sha256.Sum256(sdl)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if authenticatedOnly {
			h.Set("Vary", "Authorization")
			if auth.PrincipalFrom(r.Context()) == nil {
				h.Set("WWW-Authenticate", `Bearer realm="casegate"`)
				writeErrors(w, http.StatusUnauthorized, introspectionRefusal("/schema.graphql"), map[string]any{"code": "UNAUTHENTICATED"})
				return
			}
			h.Set("Cache-Control", "private, no-cache")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "schema.graphql", time.Time{}, bytes.NewReader(sdl))
	})
}
