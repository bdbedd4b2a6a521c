package server

// The partner portal (/portal/): a small single-page app for a client's guests (contacts with an
// EXTERNAL account, docs/guests.md). It logs in (login, or activateAccount on /activate/), asks for
// a password-reset link, lists the guest's projects and their cases, opens a case as a form with
// the guest's field modes, saves it, opens a new service request, reads and adds comments, and
// lists, uploads and downloads the attachments shared with guests. It speaks only the public
// GraphQL API with the session's bearer token, kept in the tab's sessionStorage, and builds its
// forms from introspection of the procedure's <TypeName>Input types, so it is the reference for
// partners building their own portal.
//
// The invitation link ({publicBaseURL}/activate/{token}) opens a page of its own: it moves the
// token out of the address bar at once, lets the guest choose a password, and goes on to the portal
// logged in. The request log shows /activate/ without the token (log.go).
var (
	portalPage    = servePage("portalpage")
	portalFiles   = serveFiles("portalpage", "portal.js")
	activatePage  = servePage("activatepage")
	activateFiles = serveFiles("activatepage", "activate.js")
)
