package auth

import (
	"context"

	"github.com/casegate/casegate/internal/access"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	clientAddrKey
)

// WithPrincipal stores the request's principal, resolved once per request by the HTTP middleware.
func WithPrincipal(ctx context.Context, p *access.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the request's principal, nil when anonymous.
func PrincipalFrom(ctx context.Context) *access.Principal {
	p, _ := ctx.Value(principalKey).(*access.Principal)
	return p
}

// WithClientAddr stores the client's address, used by the login rate limit.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey, addr)
}

// ClientAddrFrom returns the client's address, "" when unknown.
func ClientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey).(string)
	return a
}
