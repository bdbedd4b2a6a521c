// Package auth logs people in and out and turns a bearer token into the request's principal. It owns
// the login rate limits and password recovery; what a principal may then do is decided by access.
package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/users"
)

// ErrBadCredentials is the one answer to every failed login: wrong password, unknown e-mail,
// blocked, deactivated or expired account alike, so the answer reveals nothing about the account.
var ErrBadCredentials = errors.New("invalid e-mail or password")

// Limits bound failed logins within Window, per account and per client address.
type Limits struct {
	Window        time.Duration
	PerAccount    int
	PerClientAddr int
}

// DefaultLimits allow 5 failures per account and 20 per address in 15 minutes.
var DefaultLimits = Limits{Window: 15 * time.Minute, PerAccount: 5, PerClientAddr: 20}

// Service logs in and authenticates.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	TTL      time.Duration
	Limits   Limits
	Users    *users.Service
	Settings *settings.Service
}

// Result is a new session.
type Result struct {
	Token     string
	ExpiresAt time.Time
	Principal *access.Principal
}

// dummyHash is verified when the e-mail is unknown, so that a miss costs as long as a wrong password.
var dummyHash, _ = password.Hash("not a real password 0", password.Default)

// Login checks e-mail and password and opens a session. The attempt counts against the rate
// limits before the password is checked (see reserve), so concurrent attempts cannot overrun them.
func (s *Service) Login(ctx context.Context, email, pw, clientAddr string) (*Result, error) {
	account := strings.ToLower(strings.TrimSpace(email))
	now := s.Clock.Now()
	if err := s.reserve(ctx, account, clientAddr, now); err != nil {
		return nil, err
	}
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	u, err := users.FindByEmail(ctx, s.DB, account)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	var matches bool
	if err := withVerifySlot(ctx, func() { matches = s.passwordMatches(u, pw) }); err != nil {
		return nil, err
	}
	if !matches || !u.CanLogIn(now, set.Location()) {
		return nil, ErrBadCredentials // the attempt's row stays: it is the failure
	}
	var res *Result
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The account's failures go, this attempt's own row among them.
		if err := s.clearFailures(ctx, tx, account); err != nil {
			return err
		}
		var err error
		res, err = s.Open(ctx, tx, u, clientAddr, now)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, res.Principal, now, audit.Entry{Action: "session.login", Entity: "session", EntityID: res.Principal.SessionID})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// passwordMatches verifies pw against u's hash; without a user (or a password) it verifies against
// a dummy hash, so that the answer takes as long either way.
func (s *Service) passwordMatches(u *users.User, pw string) bool {
	if u == nil || u.PasswordHash == nil {
		_, _ = password.Verify(pw, dummyHash)
		return false
	}
	ok, err := password.Verify(pw, *u.PasswordHash)
	return err == nil && ok
}

// Open creates a session for u (EXTERNAL for a guest account) and loads its principal inside tx.
// The caller has checked that u may log in, and audits the login.
func (s *Service) Open(ctx context.Context, tx bun.IDB, u *users.User, clientAddr string, now time.Time) (*Result, error) {
	token, hash := session.NewToken()
	sess := &session.Session{TokenHash: hash, Kind: u.Kind(), UserID: &u.ID, ClientAddr: clientAddr,
		CreatedAt: now, ExpiresAt: now.Add(s.TTL)}
	if err := session.Create(ctx, tx, sess); err != nil {
		return nil, err
	}
	p, err := s.load(ctx, tx, hash, now)
	if err != nil {
		return nil, err
	}
	return &Result{Token: token, ExpiresAt: sess.ExpiresAt, Principal: p}, nil
}

// Logout ends the caller's session, and with it the preview sessions it started. In a preview
// session it is endPreview.
func (s *Service) Logout(ctx context.Context, p *access.Principal) error {
	if err := access.Authenticated(p).Err(); err != nil {
		return err
	}
	if p.InPreviewSession() {
		_, err := s.EndPreview(ctx, p)
		return err
	}
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := session.Delete(ctx, tx, p.SessionID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: "session.logout", Entity: "session", EntityID: p.SessionID})
	})
}
