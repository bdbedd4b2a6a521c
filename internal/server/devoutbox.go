package server

// The page of the dev outbox (/dev/outbox): what outgoing mail and SMS the server caught instead of
// sending, newest first, with their bodies and the links in them. It reads the devOutbox query
// without a session, as anyone may while the dev outbox is on; without the dev outbox the route
// is not registered at all (server.go), so the path is not found. Like every page it is embedded
// and loads only the server's own files (pages.go).
var (
	devOutboxPage  = servePage("devoutboxpage")
	devOutboxFiles = serveFiles("devoutboxpage", "outbox.js")
)
