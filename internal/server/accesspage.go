package server

import (
	"embed"
	"net/http"
	"strings"
)

// The page behind a temporary-access link ({publicBaseURL}/access/{token}, SPEC §7): the person
// asks for a one-time code, enters it, and fills in the case's form with the modes casegate gives
// it — read-only fields shown, hidden ones absent, required ones marked — then sends the case on
// where the grant allows. It is one static page without dependencies that speaks only the public
// GraphQL API (requestAccessCode, verifyAccessCode, case, the procedure's typed query and update
// mutation, moveCase, and where the grant opens them the case's attachments, comments and
// history, with addAttachment, addComment and GET /attachments/{id}), so a partner portal can do
// the same; CASEGATE_PUBLIC_URL may point at a portal that serves /access/ itself instead.
//
// The link's token is in the path: the page moves it to the tab's sessionStorage and out of the
// address bar at once, sends no Referer and is never cached. Its script and style are files of
// their own under /access/static/, so the Content-Security-Policy allows no inline code at all. The
// request log shows /access/ paths without the token.

//go:embed accesspage
var accessFiles embed.FS

// accessStatic are the files the page loads, by name under /access/static/.
var accessStatic = map[string]bool{"access.js": true, "access.css": true}

var accessCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"connect-src 'self'",
	"form-action 'none'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
}, "; ")

func accessLinkPage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", accessCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	page, _ := accessFiles.ReadFile("accesspage/index.html")
	_, _ = w.Write(page)
}

// accessPageFile serves the page's script and style. They hold no secret, but are revalidated on
// every load so that a page never runs with the script of another version.
func accessPageFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !accessStatic[name] {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, accessFiles, "accesspage/"+name)
}
