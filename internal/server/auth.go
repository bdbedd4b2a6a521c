package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/auth"
)

var errInternal = errors.New("internal error")

// anonymousFields are the only root fields a request without a token may call (SPEC §13).
var anonymousFields = map[string]bool{
	"login": true, "requestAccessCode": true, "verifyAccessCode": true, "activateAccount": true,
	"requestPasswordReset": true, "resetPassword": true,
	"__schema": true, "__type": true, "__typename": true,
}

// authenticate resolves the bearer token into the request's principal once, before GraphQL runs.
// A token that does not (or no longer) work is UNAUTHENTICATED for the whole request, never
// silently anonymous, so a client learns at once that its session ended.
func authenticate(a *auth.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if token, ok := bearer(r); ok {
			p, err := a.Authenticate(ctx, token)
			if err != nil {
				writeError(w, err)
				return
			}
			ctx = auth.WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bearer returns the token of an Authorization header; ok is false when there is no header. The
// scheme is case-insensitive (RFC 9110 §11.1); any other scheme gives an empty token, which fails
// authentication like a wrong one.
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

// requireLogin refuses every root field but the anonymous ones to a request without a principal.
func requireLogin(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if auth.PrincipalFrom(ctx) == nil && !anonymousFields[fc.Field.Name] {
		err := gqlerror.Errorf("authentication required for %s", fc.Field.Name)
		err.Extensions = map[string]any{"code": "UNAUTHENTICATED"}
		graphql.AddError(ctx, err)
		return graphql.Null
	}
	return next(ctx)
}
