package tempaccess

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/session"
)

// ErrBadCode is the one answer to a code that does not open a session: wrong, expired, used, never
// sent, or for a link that does not exist or no longer works, so the answer reveals none of them.
var ErrBadCode = fmt.Errorf("%w: the code is wrong or has expired", apperr.ErrUnauthenticated)

// Limits bound codes and wrong guesses.
type Limits struct {
	CodeTTL           time.Duration // how long a code is valid (10 minutes)
	FailuresPerCode   int           // wrong codes before a code is dead (5)
	CodesPerLink      int           // codes per link within Window (5)
	CodesPerClient    int           // codes asked from one client address within Window (20)
	FailuresPerClient int           // wrong codes from one client address within FailureWindow (20)
	Window            time.Duration // for the code counts (1 hour)
	FailureWindow     time.Duration // for the per-address failures (15 minutes)
}

// DefaultLimits are the limits casegate runs with (docs/temporary-access.md, "Codes").
var DefaultLimits = Limits{CodeTTL: 10 * time.Minute, FailuresPerCode: 5, CodesPerLink: 5, CodesPerClient: 20,
	FailuresPerClient: 20, Window: time.Hour, FailureWindow: 15 * time.Minute}

// Advisory-lock namespaces (see internal/auth for the others).
const (
	lockCodeLink = 7212010
	lockCodeAddr = 7212011
)

// maxLink bounds what is accepted as a link before hashing it.
const maxLink = 2048

// linkToken takes the token out of a whole link ({publicBaseURL}/access/{token}) or accepts the
// token itself.
func linkToken(link string) (string, error) {
	link = strings.TrimSpace(link)
	if i := strings.LastIndex(link, "/access/"); i >= 0 {
		link = link[i+len("/access/"):]
	}
	if i := strings.IndexAny(link, "?#"); i >= 0 {
		link = link[:i]
	}
	link = strings.TrimRight(link, "/")
	if link == "" || len(link) > maxLink {
		return "", apperr.Input("link", "is not an access link")
	}
	return link, nil
}

// codeHash binds a code to its link: without the link (stored only as its own hash) the table does
// not give the code away, six digits being few enough to try them all.
func codeHash(token, code string) []byte {
	h := sha256.Sum256([]byte(token + "\x00" + code))
	return h[:]
}

func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func (s *Service) limits() Limits {
	if s.Limits == (Limits{}) {
		return DefaultLimits
	}
	return s.Limits
}

// RequestCode sends a one-time code for the grant behind link, by e-mail or SMS as the grant says.
// The answer is the same whether or not the link exists and works: an unknown, revoked or expired
// link gets a code that is stored (and counted against the limits) but never sent.
func (s *Service) RequestCode(ctx context.Context, link, clientAddr string) error {
	token, err := linkToken(link)
	if err != nil {
		return err
	}
	lim := s.limits()
	hash := session.HashToken(token)
	now := s.Clock.Now()
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(encode(?::bytea, 'hex'))), pg_advisory_xact_lock(?, hashtext(?))`,
			lockCodeLink, hash, lockCodeAddr, clientAddr); err != nil {
			return err
		}
		var perLink, perAddr int
		if err := tx.NewRaw(`SELECT count(*) FILTER (WHERE link_hash = ?), count(*) FILTER (WHERE client_addr = ?)
			FROM access_codes WHERE created_at > ? AND NOT from_verify AND (link_hash = ? OR client_addr = ?)`,
			hash, clientAddr, now.Add(-lim.Window), hash, clientAddr).Scan(ctx, &perLink, &perAddr); err != nil {
			return err
		}
		if perLink >= lim.CodesPerLink || perAddr >= lim.CodesPerClient {
			return apperr.ErrRateLimited
		}
		g, err := s.openGrant(ctx, tx, hash, now)
		if err != nil {
			return err
		}
		code := newCode()
		var grantID *string
		if g != nil {
			grantID = &g.ID
		}
		if _, err := tx.NewRaw(`INSERT INTO access_codes (link_hash, grant_id, code_hash, client_addr, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, hash, grantID, codeHash(token, code), clientAddr, now, now.Add(lim.CodeTTL)).Exec(ctx); err != nil {
			return fmt.Errorf("store code: %w", err)
		}
		if g == nil {
			return nil
		}
		if _, err := outbox.Enqueue(ctx, tx, codeMessage(g, code, now, lim.CodeTTL)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, g.principal(now), now, audit.Entry{Action: "temporary_access.code", Entity: "temporary_access_grant",
			EntityID: g.ID, ChangedFields: []string{string(g.LoginMethod)}})
	})
}

// openGrant is the grant with the link hash whose window holds now and which is not revoked, or nil.
func (s *Service) openGrant(ctx context.Context, db bun.IDB, hash []byte, now time.Time) (*Grant, error) {
	g := new(Grant)
	// FOR SHARE: a revocation committing meanwhile waits for this transaction, and so ends the
	// session it may open; one that committed first makes the grant not match.
	err := selectGrants(db.NewSelect().Model(g)).Where("link_hash = ?", hash).
		Where("revoked_at IS NULL AND valid_from <= ? AND valid_until > ?", now, now).For("SHARE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load grant: %w", err)
	}
	return g, nil
}

// codeMessage is the code, by the grant's channel. Secret: the body is redacted once sent, and a
// code that could not be sent while it was valid is given up.
func codeMessage(g *Grant, code string, now time.Time, ttl time.Duration) outbox.Message {
	minutes := int(ttl / time.Minute)
	if g.LoginMethod == SMSCode && g.Phone != nil {
		return outbox.Message{Channel: outbox.SMS, Recipient: *g.Phone, Secret: true, ExpiresAt: now.Add(ttl),
			Body: fmt.Sprintf("casegate: Twój kod dostępu to %s (ważny %d min). Nie przekazuj go nikomu.", code, minutes)}
	}
	return outbox.Message{Channel: outbox.Email, Recipient: g.Email, Secret: true, ExpiresAt: now.Add(ttl), Subject: "Kod dostępu do sprawy",
		Body: fmt.Sprintf("Twój jednorazowy kod dostępu: %s\n\nKod jest ważny %d minut. Nie przekazuj go nikomu.", code, minutes)}
}

// codeRow is a row of access_codes.
type codeRow struct {
	bun.BaseModel `bun:"table:access_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	LinkHash  []byte     `bun:"link_hash"`
	GrantID   *string    `bun:"grant_id,type:uuid"`
	CodeHash  []byte     `bun:"code_hash"`
	ExpiresAt time.Time  `bun:"expires_at"`
	Failures  int        `bun:"failures"`
	UsedAt    *time.Time `bun:"used_at"`
}

// VerifyCode opens a TEMPORARY session when code is the latest code sent for link, unused, unexpired
// and guessed in fewer than FailuresPerCode tries, and the grant still works. The session ends at
// the grant's end at the latest.
func (s *Service) VerifyCode(ctx context.Context, link, code, clientAddr string) (*auth.Result, error) {
	token, err := linkToken(link)
	if err != nil {
		return nil, err
	}
	lim := s.limits()
	hash := session.HashToken(token)
	now := s.Clock.Now()
	var res *auth.Result
	var verdict error // a wrong code commits its count, and then answers ErrBadCode
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, lockCodeAddr, clientAddr); err != nil {
			return err
		}
		var failures int
		if err := tx.NewRaw(`SELECT count(*) FROM access_code_failures WHERE client_addr = ? AND at > ?`,
			clientAddr, now.Add(-lim.FailureWindow)).Scan(ctx, &failures); err != nil {
			return err
		}
		if failures >= lim.FailuresPerClient {
			return apperr.ErrRateLimited
		}
		// The grant before the code: Revoke and ExpireDue lock the grant and then delete its codes,
		// so taking them the other way round here would deadlock with them.
		g, err := s.openGrant(ctx, tx, hash, now)
		if err != nil {
			return err
		}
		var c codeRow
		err = tx.NewSelect().Model(&c).Where("link_hash = ?", hash).OrderExpr("id DESC").Limit(1).For("UPDATE").Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// No code for this link yet: a phantom one takes the guess, so that guesses at a link
			// nobody asked a code for die after FailuresPerCode like any others, and the answers do
			// not tell a live link from an unknown one.
			verdict = ErrBadCode
			return s.phantomFailure(ctx, tx, hash, clientAddr, now, lim)
		case err != nil:
			return fmt.Errorf("load code: %w", err)
		case c.Failures >= lim.FailuresPerCode:
			return fmt.Errorf("%w: too many wrong codes; ask for a new code", apperr.ErrRateLimited)
		case c.UsedAt != nil || !now.Before(c.ExpiresAt):
			verdict = ErrBadCode
			return s.recordFailure(ctx, tx, nil, clientAddr, now)
		case subtle.ConstantTimeCompare(c.CodeHash, codeHash(token, strings.TrimSpace(code))) != 1:
			verdict = ErrBadCode
			return s.recordFailure(ctx, tx, &c, clientAddr, now)
		}
		if _, err := tx.NewUpdate().Model(&c).Set("used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		if g == nil || c.GrantID == nil || *c.GrantID != g.ID {
			verdict = ErrBadCode // revoked or closed since the code was sent
			return nil
		}
		res, err = s.open(ctx, tx, g, clientAddr, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if verdict != nil {
		return nil, verdict
	}
	return res, nil
}

// phantomFailure records a guess at a link without a code as the first failure of a code nobody
// can know, and counts it against the client address.
func (s *Service) phantomFailure(ctx context.Context, tx bun.Tx, hash []byte, clientAddr string, now time.Time, lim Limits) error {
	if _, err := tx.NewRaw(`INSERT INTO access_codes (link_hash, code_hash, client_addr, created_at, expires_at, failures, from_verify)
		VALUES (?, ?, ?, ?, ?, 1, true)`, hash, codeHash(newCode(), newCode()), clientAddr, now, now.Add(lim.CodeTTL)).Exec(ctx); err != nil {
		return fmt.Errorf("store phantom code: %w", err)
	}
	return s.recordFailure(ctx, tx, nil, clientAddr, now)
}

// recordFailure counts a wrong code against the code (when there is one) and the client address.
func (s *Service) recordFailure(ctx context.Context, tx bun.Tx, c *codeRow, clientAddr string, now time.Time) error {
	if c != nil {
		if _, err := tx.NewUpdate().Model(c).Set("failures = failures + 1").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	_, err := tx.NewRaw(`INSERT INTO access_code_failures (client_addr, at) VALUES (?, ?)`, clientAddr, now).Exec(ctx)
	return err
}

// open creates the grant's session, ending at its window's end at the latest, and loads its principal.
func (s *Service) open(ctx context.Context, tx bun.Tx, g *Grant, clientAddr string, now time.Time) (*auth.Result, error) {
	token, hash := session.NewToken()
	expires := now.Add(s.SessionTTL)
	if s.SessionTTL <= 0 || g.ValidUntil.Before(expires) {
		expires = g.ValidUntil
	}
	sess := &session.Session{TokenHash: hash, Kind: access.KindTemporary, GrantID: &g.ID, ClientAddr: clientAddr,
		CreatedAt: now, ExpiresAt: expires}
	if err := session.Create(ctx, tx, sess); err != nil {
		return nil, err
	}
	p, err := s.Auth.LoadSession(ctx, tx, hash)
	if err != nil {
		return nil, err
	}
	if err := audit.Append(ctx, tx, p, now, audit.Entry{Action: "session.login", Entity: "session", EntityID: p.SessionID}); err != nil {
		return nil, err
	}
	return &auth.Result{Token: token, ExpiresAt: expires, Principal: p}, nil
}
