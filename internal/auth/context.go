package auth

import (
	"context"

	"github.com/casegate/casegate/internal/access"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	clientAddrKey
	pendingKey
	previewKey
)

// Pending is a request's bearer token whose check waits until the server knows what the request
// asks for (the GraphQL endpoint checks it with the operation's first statement). Used by one
// request's goroutine only.
type Pending struct {
	Token   string
	checked bool
	err     error
}

// Check records the outcome of checking the token.
func (p *Pending) Check(err error) { p.checked, p.err = true, err }

// Checked reports whether the token has been checked.
func (p *Pending) Checked() bool { return p.checked }

// Err is the outcome of the check: nil when the token works (or is not yet checked).
func (p *Pending) Err() error { return p.err }

// WithPending stores the request's pending token.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, pendingKey, p)
}

// PendingFrom returns the request's pending token, nil when there is none.
func PendingFrom(ctx context.Context) *Pending {
	p, _ := ctx.Value(pendingKey).(*Pending)
	return p
}

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

// WithPreviewAs stores the value of a request's preview header (PreviewHeader): the id of the user
// the request asks to run as. The principal is swapped once the operation is known.
func WithPreviewAs(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, previewKey, userID)
}

// PreviewAsFrom returns the value of the request's preview header; ok is false when it had none.
func PreviewAsFrom(ctx context.Context) (userID string, ok bool) {
	userID, ok = ctx.Value(previewKey).(string)
	return userID, ok
}
