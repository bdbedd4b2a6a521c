package server

// The page behind a temporary-access link ({publicBaseURL}/access/{token};
// docs/temporary-access.md): the person asks for a one-time code, enters it, and fills in the
// case's form with the modes casegate gives it — read-only fields shown, hidden ones absent,
// required ones marked — then sends the case on where the grant allows. It is one static page
// without dependencies that speaks only the public GraphQL API (requestAccessCode,
// verifyAccessCode, case, the procedure's typed query and update mutation, moveCase, and where the
// grant opens them the case's attachments, comments and history, with addAttachment, addComment and
// GET /attachments/{id}), so a partner portal can do the same; CASEGATE_PUBLIC_URL may point at a
// portal that serves /access/ itself instead.
//
// The link's token is in the path: the page moves it to the tab's sessionStorage and out of the
// address bar at once, sends no Referer and is never cached. Its script is a file of its own under
// /access/static/, its style and GraphQL helper the shared /static/ files (see pages.go), so the
// Content-Security-Policy allows no inline code at all. The request log shows /access/ paths without the token.
var (
	accessLinkPage  = servePage("accesspage")
	accessPageFiles = serveFiles("accesspage", "access.js")
)
