package server

// The page behind the link of a password-reset mail ({publicBaseURL}/reset-password?token=…): a
// form for the new password that calls the resetPassword mutation. It is one static page without
// dependencies, so casegate works without a frontend; CASEGATE_PUBLIC_URL may point at a frontend
// that serves /reset-password itself instead.
//
// The token is in the URL, so the page takes it out of the address bar (and the history) at once,
// sends no Referer and is never cached; its script is a file of its own under
// /reset-password/static/, its style and GraphQL helper the shared /static/ files (see pages.go),
// so the Content-Security-Policy allows no inline code. The
// request log records the path, never the query string.
var (
	resetPasswordPage  = servePage("resetpage")
	resetPasswordFiles = serveFiles("resetpage", "reset.js")
)
