package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/users"
)

// ResetTTL is how long a password-reset link works.
const ResetTTL = time.Hour

// maxResetsPerHour bounds reset mails per account, so the form cannot be used to flood a mailbox.
const maxResetsPerHour = 5

type reset struct {
	bun.BaseModel `bun:"table:password_resets,alias:pr"`

	ID        string     `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	UserID    string     `bun:"user_id,type:uuid,notnull"`
	TokenHash []byte     `bun:"token_hash,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// RequestPasswordReset mails a single-use reset link to the account with this e-mail, if there is
// one that may log in. The answer is the same either way, so it reveals nothing.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	now := s.Clock.Now()
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return err
	}
	u, err := users.FindByEmail(ctx, s.DB, email)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.IsSystem || u.Status != users.Active || u.ProfileExpired(now, set.Location()) {
		return nil
	}
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// One request per user at a time, so concurrent requests cannot all pass the count below.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, lockResetUser, u.ID); err != nil {
			return err
		}
		recent, err := tx.NewSelect().Model((*reset)(nil)).Where("user_id = ? AND created_at > ?", u.ID, now.Add(-time.Hour)).Count(ctx)
		if err != nil || recent >= maxResetsPerHour {
			return err
		}
		token, hash := session.NewToken()
		r := &reset{UserID: u.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)}
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		link := fmt.Sprintf("%s/reset-password?token=%s", set.PublicBaseURL, token)
		if _, err := outbox.Enqueue(ctx, tx, outbox.Message{
			Channel: outbox.Email, Recipient: u.Email, Subject: "casegate: reset your password",
			Body: fmt.Sprintf("Hello %s,\n\nsomeone asked to reset your casegate password. To choose a new one, open\n\n%s\n\n"+
				"The link works once, for one hour. If it was not you, ignore this message.\n", u.Name, link),
			Secret: true, ConcerningUserID: u.ID,
		}); err != nil {
			return err
		}
		// Whoever asked is anonymous: it may not be the account's owner, so the record names no user
		// (kind INTERNAL, user and native user NULL); the user concerned is the entity.
		return audit.Append(ctx, tx, nil, now,
			audit.Entry{Action: "user.password_reset.request", Entity: "user", EntityID: u.ID})
	})
}

// InvalidateResets uses up every reset link of a user still unused, inside tx: the guest
// account's login changed or the account was disabled, so a link mailed before must not work.
func InvalidateResets(ctx context.Context, tx bun.IDB, userID string, now time.Time) error {
	_, err := tx.NewUpdate().Model((*reset)(nil)).Set("used_at = ?", now).
		Where("user_id = ? AND used_at IS NULL", userID).Exec(ctx)
	return err
}

// resetKeep is how long used and expired reset links are kept (they count towards
// maxResetsPerHour, and help to answer "did I ask for a reset?"); the clean-up job deletes them after.
const resetKeep = 24 * time.Hour

// DeleteOldResets deletes reset links that were used or have expired and are older than a day (a
// clean-up job), and returns how many.
func (s *Service) DeleteOldResets(ctx context.Context) (int64, error) {
	now := s.Clock.Now()
	res, err := s.DB.NewDelete().Model((*reset)(nil)).
		Where("used_at IS NOT NULL OR expires_at <= ?", now).
		Where("created_at < ?", now.Add(-resetKeep)).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete old password resets: %w", err)
	}
	return res.RowsAffected()
}

// ResetPassword sets a new password with a reset token. It uses the token up, invalidates the
// user's other reset links and ends every session of the user.
func (s *Service) ResetPassword(ctx context.Context, token, pw string) error {
	if err := password.Check("password", pw); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r := new(reset)
		err := tx.NewSelect().Model(r).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", session.HashToken(token), now).
			For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Input("token", "is invalid or has expired")
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*reset)(nil)).Set("used_at = ?", now).
			Where("user_id = ? AND used_at IS NULL", r.UserID).Exec(ctx); err != nil {
			return err
		}
		u, err := users.Find(ctx, tx, r.UserID)
		if err != nil {
			return err
		}
		if err := s.Users.SetPassword(ctx, tx, u.Self(), r.UserID, pw); err != nil {
			return err
		}
		_, err = session.DeleteForUser(ctx, tx, r.UserID)
		return err
	})
}
