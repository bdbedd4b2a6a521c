package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
)

// Failures are kept in PostgreSQL, not in memory, so that every replica counts the same attempts.

func (s *Service) checkRate(ctx context.Context, account, clientAddr string) error {
	since := s.Clock.Now().Add(-s.Limits.Window)
	var perAccount, perAddr int
	err := s.DB.NewRaw(`SELECT
			count(*) FILTER (WHERE account = ?),
			count(*) FILTER (WHERE client_addr = ?)
		FROM login_failures WHERE at > ? AND (account = ? OR client_addr = ?)`,
		account, clientAddr, since, account, clientAddr).Scan(ctx, &perAccount, &perAddr)
	if err != nil {
		return err
	}
	if perAccount >= s.Limits.PerAccount || perAddr >= s.Limits.PerClientAddr {
		return apperr.ErrRateLimited
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, account, clientAddr string, now time.Time) error {
	_, err := s.DB.NewRaw(`INSERT INTO login_failures (account, client_addr, at) VALUES (?, ?, ?)`,
		account, clientAddr, now).Exec(ctx)
	return err
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
