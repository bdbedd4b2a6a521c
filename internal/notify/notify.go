// Package notify is the one way casegate e-mails a user about work: a case or document task that
// reaches them, and whatever else a user is told about later. A mail to a user is also copied to
// each substitute who works for that user at the moment it is written, when the substitution
// forwards e-mails (substitutions.forward_emails), so that work does not wait in the mailbox of
// someone who is away.
//
// Copies are decided when the mail is written, in the caller's transaction: a substitution that
// starts later does not receive mails written before it, and one that ends (or is switched off)
// after a mail was written does not recall the copy, which the outbox sends as it sends any other.
//
// Secret messages — password-reset links, account activation, temporary-access links and codes —
// never go through this package and are never copied: they are credentials of one person, and a
// copy would let the substitute act as that person outside any substitution. Their senders write
// them with outbox.Enqueue directly.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/settings"
)

// Mail is what a user is told. Body is the text after the greeting, which ToUser writes with each
// recipient's name; a substitute's copy says whom it was written for before the body.
type Mail struct {
	Subject string
	Body    string
	// Uncopied keeps the mail from the user's substitutes: a notice about the substitution itself,
	// which its substitute is told about in a mail of their own.
	Uncopied bool
}

// substitutesQuery lists who receives a copy of a mail to user ?0 at ?1: the substitutes of the
// user's substitutions in force then that forward e-mails, each once (with the latest end).
var substitutesQuery = `
SELECT DISTINCT ON (ss.id) ss.id, ss.email, ss.name, sb.date_to
FROM substitutions sb
JOIN users su ON su.id = sb.substituted_id
JOIN users ss ON ss.id = sb.substitute_id
WHERE sb.substituted_id = ?0 AND sb.forward_emails
  AND ` + access.SubstitutionInForceSQL("?1::timestamptz", settings.TimeZoneSQL, settings.ExpiredProfilesSQL) + `
ORDER BY ss.id, sb.date_to DESC`

type recipient struct {
	ID       string    `bun:"id"`
	Email    string    `bun:"email"`
	Name     string    `bun:"name"`
	Status   string    `bun:"status"`
	IsSystem bool      `bun:"is_system"`
	DateTo   time.Time `bun:"date_to"`
}

// ToUser writes m to the outbox for the user userID, and a copy for each substitute working for
// the user at now (see the package comment), all in tx, the caller's transaction. defaultZone is
// the configured time zone, used when no timeZone setting is stored. The system user and users
// who are not ACTIVE get nothing, and neither do their substitutes.
func ToUser(ctx context.Context, tx bun.IDB, now time.Time, defaultZone, userID string, m Mail) error {
	if !database.ValidUUID(userID) {
		return fmt.Errorf("notify: %q is not a user id", userID)
	}
	u := new(recipient)
	err := tx.NewRaw(`SELECT id, email, name, status, is_system FROM users WHERE id = ?`, userID).Scan(ctx, u)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("notify: no user %s", userID)
	}
	if err != nil {
		return fmt.Errorf("notify: load user %s: %w", userID, err)
	}
	if u.IsSystem || u.Status != "ACTIVE" {
		return nil
	}
	if _, err := outbox.Enqueue(ctx, tx, outbox.Message{Channel: outbox.Email, Recipient: u.Email,
		Subject: m.Subject, Body: greeting(u.Name) + m.Body, ConcerningUserID: u.ID}); err != nil {
		return err
	}
	if m.Uncopied {
		return nil
	}
	var subs []recipient
	if err := tx.NewRaw(substitutesQuery, u.ID, now, defaultZone).Scan(ctx, &subs); err != nil {
		return fmt.Errorf("notify: substitutes of %s: %w", u.ID, err)
	}
	for _, s := range subs {
		if _, err := outbox.Enqueue(ctx, tx, copyFor(s, u, m)); err != nil {
			return err
		}
	}
	return nil
}

func greeting(name string) string { return fmt.Sprintf("Hello %s,\n\n", name) }

// copyFor is the substitute's copy of m, written for u. It still concerns u: the outbox is
// searched and cleaned per user the mail is about.
func copyFor(sub recipient, u *recipient, m Mail) outbox.Message {
	note := fmt.Sprintf("this is a copy of a message to %s. You receive it because you substitute %s until %s.\n\n",
		u.Name, u.Name, sub.DateTo.Format(time.DateOnly))
	return outbox.Message{Channel: outbox.Email, Recipient: sub.Email, ConcerningUserID: u.ID,
		Subject: fmt.Sprintf("[for %s] %s", u.Name, m.Subject),
		Body:    greeting(sub.Name) + note + m.Body}
}
