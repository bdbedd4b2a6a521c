package server

import (
	"net/http"
	"strconv"
	"strings"
)

// corsPolicy lets pages of other origins (a partner portal, a single-page app on its own host) call
// the API from a browser. Only the origins listed are allowed, each exactly; without any, the
// server sends no CORS headers at all, and browsers keep pages of other origins out as they do by
// default.
//
// Clients authenticate with a bearer token, never with cookies, so Access-Control-Allow-Credentials
// is never sent: a page of an allowed origin can only send a token it holds itself.
type corsPolicy struct {
	origins map[string]bool
}

// newCORS allows the origins given (as config.Config's CORSOrigins holds them: the exact form a
// browser sends); nil when there are none.
func newCORS(origins []string) *corsPolicy {
	if len(origins) == 0 {
		return nil
	}
	c := &corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		c.origins[o] = true
	}
	return c
}

// corsAllowHeaders are the request headers a cross-origin page may send. Beside the token and the
// JSON body, the request id (X-Request-ID, kept in the log), the trace context browser tracing adds
// (ignored from clients not in --trusted-proxies, but a preflight refusing it would break the
// request), and the headers Apollo Client adds when told its name and version or when set up for
// Apollo Server's CSRF prevention: casegate does not need them, but a client sending them must not
// fail. X-Casegate-Preview-As lets an administration page on another origin preview as a user.
const corsAllowHeaders = "Authorization, Content-Type, Accept, X-Request-ID, Traceparent, Tracestate, X-Casegate-Preview-As, " +
	"Apollo-Require-Preflight, X-Apollo-Operation-Name, Apollographql-Client-Name, Apollographql-Client-Version"

// corsExposeHeaders are the response headers beyond the CORS-safelisted ones that a cross-origin
// page may read: a download's file name, when to retry a refused transfer, and the request id to
// quote to support.
const corsExposeHeaders = "Content-Disposition, Retry-After, X-Request-ID"

// corsMaxAge is how long a browser may keep a preflight's answer, in seconds: two hours, the most
// Chromium honours.
const corsMaxAge = 2 * 60 * 60

// wrap applies the allow-list to a route whose methods are given (GET, POST). A preflight (OPTIONS
// with Origin and Access-Control-Request-Method) from an allowed origin is answered here, 204,
// before authentication (browsers never send a token with it); any other request goes on, with
// Access-Control-Allow-Origin set first when its origin is allowed, so that error responses (401,
// 413, 429) are readable by the page too. A request from any other origin gets no CORS header, and
// a preflight from one goes on as an ordinary OPTIONS request. Every response says Vary: Origin,
// since it depends on the origin; a nil corsPolicy changes nothing.
func (c *corsPolicy) wrap(methods string, next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if !c.origins[origin] {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
			h.Set("Allow", "OPTIONS, "+methods)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// preflightOnly is the OPTIONS route of a path that has none of its own (GET /attachments/{id}): it
// is reached only by an OPTIONS request that wrap did not answer, which gets the methods allowed.
func preflightOnly(methods ...string) http.Handler {
	allow := strings.Join(append([]string{"OPTIONS"}, methods...), ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
	})
}
