package server

// The administration page (/admin/): an administrator logs in and sees, per procedure, the access
// matrix as a grid (sections and fields down, stages × internal/external across, each cell with
// where its mode comes from), changes cells and each row's visibleOnlyFor / modifyOnlyFor lists
// (users and groups looked up with users(...) and groups(...)) and saves them together in one
// setAccessMatrix at the version it loaded, so that they make one revision, reads the history of
// the settings, and opens a case to see who can read it and why (caseAudience). It speaks only the public GraphQL API with the session's bearer token, kept
// in the tab's sessionStorage; a session that is not an administrator's is ended at once and
// refused with a message, and the API refuses such callers anyway. Like every page it is embedded
// and loads only the server's own files: the shared look and helper, plus a stylesheet of its own
// for the grid (pages.go).
var (
	adminPage      = servePage("adminpage")
	adminPageFiles = serveFiles("adminpage", "admin.js", "admin.css")
)
