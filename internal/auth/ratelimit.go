package auth

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
)

// Failures are kept in PostgreSQL, not in memory, so that every replica counts the same attempts.
//
// An attempt is recorded before the password is verified, not after: reserve counts the failures
// (and attempts in flight) of the account and of the client address and, if both are under their
// limits, inserts the attempt's row, all under transaction-scoped advisory locks on the account
// and the address. Concurrent attempts therefore see each other: of any number sent at once, at
// most PerAccount (and PerClientAddr) get as far as a verification. The row stays as the failure
// if the password is wrong; a successful login deletes it with the account's other failures.

// Advisory-lock namespaces (the first key of PostgreSQL's two-key advisory locks, a key space of
// its own, apart from the one-key locks of the job scheduler).
const (
	lockLoginAccount = 7212001
	lockLoginAddr    = 7212002
	lockResetUser    = 7212003
)

// reserve records a login attempt for account from clientAddr, or answers ErrRateLimited when the
// account or the address has used up its failures.
func (s *Service) reserve(ctx context.Context, account, clientAddr string, now time.Time) error {
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Always the account first, then the address: one order, so no two logins deadlock.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?)), pg_advisory_xact_lock(?, hashtext(?))`,
			lockLoginAccount, account, lockLoginAddr, clientAddr); err != nil {
			return err
		}
		var perAccount, perAddr int
		err := tx.NewRaw(`SELECT
				count(*) FILTER (WHERE account = ?),
				count(*) FILTER (WHERE client_addr = ?)
			FROM login_failures WHERE at > ? AND (account = ? OR client_addr = ?)`,
			account, clientAddr, now.Add(-s.Limits.Window), account, clientAddr).Scan(ctx, &perAccount, &perAddr)
		if err != nil {
			return err
		}
		if perAccount >= s.Limits.PerAccount || perAddr >= s.Limits.PerClientAddr {
			return apperr.ErrRateLimited
		}
		_, err = tx.NewRaw(`INSERT INTO login_failures (account, client_addr, at) VALUES (?, ?, ?)`,
			account, clientAddr, now).Exec(ctx)
		return err
	})
}

func (s *Service) clearFailures(ctx context.Context, db bun.IDB, account string) error {
	_, err := db.NewRaw(`DELETE FROM login_failures WHERE account = ?`, account).Exec(ctx)
	return err
}

// DeleteOldFailures forgets failures older than the window (a clean-up job).
func (s *Service) DeleteOldFailures(ctx context.Context) error {
	_, err := s.DB.NewRaw(`DELETE FROM login_failures WHERE at <= ?`, s.Clock.Now().Add(-s.Limits.Window)).Exec(ctx)
	return err
}

// verifySlots bounds concurrent password verifications. argon2id takes 19 MiB and a core's worth
// of work each; without a bound, a flood of logins (each one a different account, so no rate
// limit applies) would take as much memory as it likes. Two per processor keep the cores busy.
var verifySlots = sync.OnceValue(func() chan struct{} { return make(chan struct{}, 2*runtime.GOMAXPROCS(0)) })

// withVerifySlot runs verify once a verification slot is free, or gives up when ctx ends.
func withVerifySlot(ctx context.Context, verify func()) error {
	slots := verifySlots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()
	verify()
	return nil
}
