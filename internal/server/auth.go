package server

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
)

var errInternal = errors.New("internal error")

// anonymousFields are the only root fields a request without a token may call: logging in, codes
// and password recovery, the dev outbox and introspection (docs/api.md lists them too).
var anonymousFields = map[string]bool{
	"login": true, "requestAccessCode": true, "verifyAccessCode": true, "activateAccount": true,
	"requestPasswordReset": true, "resetPassword": true,
	// Read by anyone while the dev outbox is on, refused to everyone while it is off
	// (access.ReadDevOutbox): a person trying casegate reads the code sent to a candidate.
	"devOutbox": true,
	"__schema":  true, "__type": true, "__typename": true,
}

// authenticate resolves the bearer token into the request's principal once. A token that does not
// (or no longer) work is UNAUTHENTICATED for the whole request, never silently anonymous, so a
// client learns at once that its session ended.
//
// With pending (the GraphQL endpoint, but for uploads, which need the principal before GraphQL
// reads their files) the token is checked once the operation is parsed (principalOperation), so
// that an operation reading one case can check it in the same statement that reads the case. Its
// response still waits for the check: a request whose token fails gets the same 401 as ever, and
// nothing else, whatever GraphQL would have answered (pendingWriter).
func authenticate(a *auth.Service, pending bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, ok := bearer(r)
		previewAs, preview := previewHeader(r)
		switch {
		case !ok:
			if preview {
				refusePreview(w, http.StatusUnauthorized, "UNAUTHENTICATED", "a preview ("+auth.PreviewHeader+") runs with the session of the user previewing: send Authorization: Bearer <token>")
				return
			}
		case pending && !isMultipart(r):
			if preview { // previewOperation swaps the principal once the operation is known
				ctx = auth.WithPreviewAs(ctx, previewAs)
			}
			pw := &pendingWriter{ResponseWriter: w, ctx: ctx, auth: a, pending: &auth.Pending{Token: token}}
			next.ServeHTTP(pw, r.WithContext(auth.WithPending(ctx, pw.pending)))
			pw.settle()
			return
		default:
			p, err := a.Authenticate(ctx, token)
			if err != nil {
				writeError(w, err)
				return
			}
			if preview || p.InPreviewSession() { // uploads, downloads, the schema: previewOperation never sees them
				refusePreview(w, http.StatusForbidden, "FORBIDDEN", previewOnlyGraphQL)
				return
			}
			ctx = auth.WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// pendingWriter holds a response back until the request's pending token is checked: by the
// operation (principalOperation), else here, before the first byte of a response that GraphQL
// wrote without running an operation (a syntax error, a body too large). A failed check replaces
// the response with writeError's.
type pendingWriter struct {
	http.ResponseWriter
	ctx     context.Context
	auth    *auth.Service
	pending *auth.Pending
	refused bool
}

// settle checks the token if no one has, and reports whether the response may go out.
func (w *pendingWriter) settle() bool {
	if !w.pending.Checked() {
		_, err := w.auth.Authenticate(w.ctx, w.pending.Token)
		w.pending.Check(err)
	}
	err := w.pending.Err()
	if err != nil && !w.refused {
		w.refused = true
		writeError(w.ResponseWriter, err)
	}
	return err == nil
}

func (w *pendingWriter) WriteHeader(status int) {
	if w.settle() {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *pendingWriter) Write(b []byte) (int, error) {
	if !w.settle() {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// principalOperation checks a pending token (see authenticate) once the operation is parsed and
// valid, before anything of it runs: with the case for an operation that reads only one case
// (graph.Resolver.CaseReadID), else alone. It also gives the operation its cache of cases and
// decisions, which the case read with the principal goes into.
func principalOperation(o Options) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		ctx = cases.WithRequestCache(ctx)
		pending := auth.PendingFrom(ctx)
		if pending == nil || pending.Checked() {
			return next(ctx)
		}
		var p *access.Principal
		var err error
		_, preview := auth.PreviewAsFrom(ctx) // the case is read as the previewed user, after the swap
		if id, ok := o.Resolver.CaseReadID(graphql.GetOperationContext(ctx)); ok && !preview {
			p, err = o.Resolver.CaseService.AuthenticateReading(ctx, o.Auth, pending.Token, id)
		} else {
			p, err = o.Auth.Authenticate(ctx, pending.Token)
		}
		pending.Check(err)
		if err != nil { // pendingWriter answers instead
			return graphql.OneShot(graphql.ErrorResponse(ctx, "session is invalid or has expired"))
		}
		return next(auth.WithPrincipal(ctx, p))
	}
}

// bearer returns the token of an Authorization header; ok is false when there is no header. The
// scheme is case-insensitive (RFC 9110, section 11.1); any other scheme gives an empty token, which
// fails authentication like a wrong one.
func bearer(r *http.Request) (token string, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	const scheme = "bearer "
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", true
	}
	return strings.TrimSpace(h[len(scheme):]), true
}

// writeError answers a request whose token could not be checked, in GraphQL's response shape.
func writeError(w http.ResponseWriter, err error) {
	if errors.Is(err, apperr.ErrUnauthenticated) {
		writeErrors(w, http.StatusUnauthorized, "session is invalid or has expired", map[string]any{"code": "UNAUTHENTICATED"})
		return
	}
	writeErrors(w, http.StatusInternalServerError, "internal error", map[string]any{"code": "INTERNAL"})
}

// introspectionFields are the root fields that read the schema.
var introspectionFields = map[string]bool{"__schema": true, "__type": true}

// requireLogin refuses every root field but the anonymous ones to a request without a principal;
// with authenticatedIntrospection, introspection is not among them (__typename stays: it tells
// nothing about the schema).
func requireLogin(authenticatedIntrospection bool) func(context.Context, graphql.RootResolver) graphql.Marshaler {
	return func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		if auth.PrincipalFrom(ctx) != nil {
			return next(ctx)
		}
		name := graphql.GetRootFieldContext(ctx).Field.Name
		switch {
		case authenticatedIntrospection && introspectionFields[name]:
			return refuseAnonymous(ctx, introspectionRefusal(name))
		case !anonymousFields[name]:
			return refuseAnonymous(ctx, "authentication required for "+name)
		}
		return next(ctx)
	}
}

// introspectionRefusal is the message of an anonymous attempt to read the schema where only
// callers with a session may.
func introspectionRefusal(what string) string {
	return "reading the schema (" + what + ") requires a session on this server: log in and send Authorization: Bearer <token>"
}

func refuseAnonymous(ctx context.Context, message string) graphql.Marshaler {
	err := &gqlerror.Error{Message: message}
	err.Extensions = map[string]any{"code": "UNAUTHENTICATED"}
	graphql.AddError(ctx, err)
	return graphql.Null
}
