package server

import (
	"embed"
	"net/http"
	"path"
	"slices"
	"strings"
)

// casegate's own web pages are files embedded in the binary, one folder a page: its index.html and
// the script it loads from its own static path. They share one look and one GraphQL helper, the
// folder static (/static/casegate.css and /static/casegate.js). No page has inline code, so their
// Content-Security-Policy allows scripts and styles from the server's own files only.

//go:embed accesspage resetpage portalpage activatepage devoutboxpage adminpage static
var pageFiles embed.FS

// sharedFiles serves /static/{file}: the style and the script every page loads.
var sharedFiles = serveFiles("static", "casegate.css", "casegate.js")

var pageCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"connect-src 'self'",
	"form-action 'none'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
}, "; ")

// servePage serves a page's index.html. Its URL may carry a token, so it sends no Referer and is
// never cached.
func servePage(dir string) http.HandlerFunc {
	page, err := pageFiles.ReadFile(path.Join(dir, "index.html"))
	if err != nil {
		panic(err) // embedded: cannot happen in a binary that built
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		_, _ = w.Write(page)
	}
}

// serveFiles serves the named files of a page's folder by {file}. They hold no secret, but are
// revalidated on every load so that a page never runs with the script of another version.
func serveFiles(dir string, names ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if !slices.Contains(names, name) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeFileFS(w, r, pageFiles, path.Join(dir, name))
	}
}
