package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

const outboxList = `query($s: OutboxStatus, $first: Int, $after: String) { outboxMessages(status: $s, first: $first, after: $after) {
	edges { cursor node { id channel recipient subject secret status attempts lastError createdAt nextAttemptAt expiresAt sentAt failedAt } }
	pageInfo { hasNextPage endCursor } } }`

type outboxNode struct {
	ID, Channel, Recipient, Subject, Status string
	Secret                                  bool
	Attempts                                int
	LastError                               *string
	CreatedAt                               time.Time
	NextAttemptAt, ExpiresAt                *time.Time
	SentAt, FailedAt                        *time.Time
}

type outboxPage struct {
	OutboxMessages struct {
		Edges []struct {
			Cursor string
			Node   outboxNode
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
	}
}

func listOutbox(t *testing.T, c *gqltest.Client, vars map[string]any) outboxPage {
	t.Helper()
	var p outboxPage
	c.Do(outboxList, vars).MustOK(t).Decode(t, &p)
	return p
}

func insertOutbox(t *testing.T, s *gqltest.Server, sql string) string {
	t.Helper()
	var id int64
	if err := s.DB.NewRaw(sql).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

const retryMutation = `mutation($id: ID!) { retryOutboxMessage(id: $id) { id status attempts nextAttemptAt failedAt lastError } }`

// Administrators see the outbox without the bodies, find the message that failed and why, and put
// it back in line once its cause is fixed; everything else about a retry is refused.
func TestOutboxMessagesAndRetry(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "forgetful@casegate.test", "Forgetful")
	clerk := s.Login("forgetful@casegate.test", "user-password-1")

	// A notice whose row nothing can read (its expiry is past the year 9999), and a reset link.
	bad := insertOutbox(t, s, `INSERT INTO outbox (channel, recipient, subject, body, expires_at, next_attempt_at)
		VALUES ('email', 'notice@example.test', 'Notice', 'hello', '10000-01-03 23:59:59+00', now() - interval '1 hour') RETURNING id`)
	s.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	deliver(t, s, 1)

	failed := listOutbox(t, admin, map[string]any{"s": "FAILED"}).OutboxMessages.Edges
	if len(failed) != 1 {
		t.Fatalf("%d FAILED messages, want 1", len(failed))
	}
	n := failed[0].Node
	if n.ID != bad || n.Channel != "EMAIL" || n.Recipient != "notice@example.test" || n.Subject != "Notice" || n.Status != "FAILED" ||
		n.Attempts != 1 || n.LastError == nil || !strings.HasPrefix(*n.LastError, "cannot read the message") ||
		n.NextAttemptAt != nil || n.FailedAt == nil || n.SentAt != nil || n.ExpiresAt == nil || n.ExpiresAt.Year() != 9999 {
		t.Fatalf("failed message = %+v", n)
	}
	// All of them, newest first, a page at a time; the reset link's body is nowhere.
	p := listOutbox(t, admin, map[string]any{"first": 1})
	if e := p.OutboxMessages.Edges; len(e) != 1 || e[0].Node.Status != "SENT" || !e[0].Node.Secret ||
		e[0].Node.Recipient != "forgetful@casegate.test" || !p.OutboxMessages.PageInfo.HasNextPage {
		t.Fatalf("first page = %+v", p.OutboxMessages)
	}
	p = listOutbox(t, admin, map[string]any{"first": 1, "after": p.OutboxMessages.PageInfo.EndCursor})
	if e := p.OutboxMessages.Edges; len(e) != 1 || e[0].Node.ID != bad || p.OutboxMessages.PageInfo.HasNextPage {
		t.Fatalf("second page = %+v", p.OutboxMessages)
	}
	if e := listOutbox(t, admin, map[string]any{"s": "PENDING"}).OutboxMessages.Edges; len(e) != 0 {
		t.Fatalf("PENDING = %+v", e)
	}
	admin.Do(`{ outboxMessages { edges { node { body } } } }`, nil).MustFail(t, "BAD_USER_INPUT")

	// Only administrators.
	audits := s.Count(`SELECT count(*) FROM audit_log`)
	clerk.Do(outboxList, nil).MustFail(t, "FORBIDDEN")
	clerk.Do(retryMutation, map[string]any{"id": bad}).MustFail(t, "FORBIDDEN")
	s.Anonymous().Do(retryMutation, map[string]any{"id": bad}).MustFail(t, "UNAUTHENTICATED")

	// Refused: a message that is not FAILED, one that does not exist, a secret given up (its body
	// is gone), an expired code (never sent late, even by hand).
	sent := listOutbox(t, admin, map[string]any{"s": "SENT"}).OutboxMessages.Edges[0].Node.ID
	admin.Do(retryMutation, map[string]any{"id": sent}).MustFail(t, "CONFLICT")
	admin.Do(retryMutation, map[string]any{"id": "999999"}).MustFail(t, "NOT_FOUND")
	admin.Do(retryMutation, map[string]any{"id": "not-a-number"}).MustFail(t, "NOT_FOUND")
	redacted := insertOutbox(t, s, `INSERT INTO outbox (channel, recipient, body, secret, attempts, failed_at, last_error)
		VALUES ('email', 'x@example.test', '[redacted]', true, 15, now(), '550 mailbox full') RETURNING id`)
	admin.Do(retryMutation, map[string]any{"id": redacted}).MustFail(t, "CONFLICT")
	expired := insertOutbox(t, s, `INSERT INTO outbox (channel, recipient, body, secret, expires_at, failed_at, last_error)
		VALUES ('sms', '+48500600700', 'Kod: 123456', true, now() - interval '1 minute', now(), 'provider down') RETURNING id`)
	if e := admin.Do(retryMutation, map[string]any{"id": expired}).MustFail(t, "CONFLICT"); !strings.Contains(e.Message, "expired") {
		t.Fatalf("expired code refused with %q", e.Message)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log`); n != audits {
		t.Fatalf("refused retries wrote %d audit records", n-audits)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE failed_at IS NULL AND sent_at IS NULL`); n != 0 {
		t.Fatalf("a refused retry put %d messages back in line", n)
	}

	// The operator repairs the row; the administrator retries it, audited, and it goes out.
	if _, err := s.DB.Exec(`UPDATE outbox SET expires_at = NULL WHERE id = ?`, bad); err != nil {
		t.Fatal(err)
	}
	var r struct{ RetryOutboxMessage outboxNode }
	admin.Do(retryMutation, map[string]any{"id": bad}).MustOK(t).Decode(t, &r)
	if m := r.RetryOutboxMessage; m.ID != bad || m.Status != "PENDING" || m.Attempts != 0 || m.FailedAt != nil ||
		m.NextAttemptAt == nil || !m.NextAttemptAt.Equal(s.Clock.Now()) {
		t.Fatalf("retried = %+v", m)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.user_id
		WHERE a.action = 'outbox.retry' AND a.entity = 'outbox_message' AND a.entity_id = ? AND u.email = ?`, bad, gqltest.AdminEmail); n != 1 {
		t.Fatalf("%d audit records of the retry", n)
	}
	mails := deliver(t, s, 2)
	if !strings.HasPrefix(mails[1], "notice@example.test\nNotice\nhello") {
		t.Fatalf("retried mail = %q", mails[1])
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE recipient = '+48500600700' AND sent_at IS NOT NULL`); n != 0 {
		t.Fatal("an expired code was sent")
	}
	admin.Do(retryMutation, map[string]any{"id": bad}).MustFail(t, "CONFLICT")
}
