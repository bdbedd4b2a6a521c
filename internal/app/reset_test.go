package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/outbox"
)

var linkRE = regexp.MustCompile(`https://casegate\.test/reset-password\?token=([A-Za-z0-9_-]+)`)

// deliver runs the outbox job once, as the scheduler would, and returns the mails that arrived.
func deliver(t *testing.T, s *gqltest.Server, want int) []string {
	t.Helper()
	catchUpWithDatabase(t, s)
	if _, err := s.App.Deliverer.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range s.SMTP.WaitFor(t, want, 5*time.Second) {
		bodies = append(bodies, strings.Join(m.To, ",")+"\n"+m.Subject+"\n"+m.Body)
	}
	return bodies
}

// catchUpWithDatabase moves the fake clock past the database's now: enqueued rows are due at the
// database's clock, which runs on in real time while the fake one stands still, so on a slow run
// (a browser or node driving a page) a fixed step would leave them in the future.
func catchUpWithDatabase(t *testing.T, s *gqltest.Server) {
	t.Helper()
	var dbNow time.Time
	if err := s.DB.QueryRowContext(context.Background(), `SELECT now()`).Scan(&dbNow); err != nil {
		t.Fatal(err)
	}
	step := time.Second
	if behind := dbNow.Sub(s.Clock.Now()); behind > 0 {
		step += behind
	}
	s.Clock.Advance(step)
}

func TestPasswordReset(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "forgetful@casegate.test", "Forgetful")
	old := s.Login("forgetful@casegate.test", "user-password-1")
	anon := s.Anonymous()

	// Unknown address: same answer, no mail.
	anon.Do(`mutation { requestPasswordReset(email: "nobody@casegate.test") }`, nil).MustOK(t)
	anon.Do(`mutation { requestPasswordReset(email: "Forgetful@casegate.test") }`, nil).MustOK(t)
	mails := deliver(t, s, 1)
	if len(mails) != 1 || !strings.HasPrefix(mails[0], "forgetful@casegate.test\n") {
		t.Fatalf("mails = %q", mails)
	}
	m := linkRE.FindStringSubmatch(mails[0])
	if m == nil {
		t.Fatalf("no reset link in %q", mails[0])
	}
	token := m[1]
	// The link is kept only until sent: the outbox redacts it, the reset table holds a hash.
	if n := s.Count(`SELECT count(*) FROM outbox WHERE body LIKE ?`, "%"+token+"%"); n != 0 {
		t.Fatal("reset token still in the outbox after sending")
	}

	reset := `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`
	anon.Do(reset, map[string]any{"t": token, "p": "weak"}).MustFail(t, "BAD_USER_INPUT")
	anon.Do(reset, map[string]any{"t": "forged-token", "p": "brand-new-pass-2"}).MustFail(t, "BAD_USER_INPUT")
	anon.Do(reset, map[string]any{"t": token, "p": "brand-new-pass-2"}).MustOK(t)
	// Single use; the old password and the old sessions are gone.
	anon.Do(reset, map[string]any{"t": token, "p": "another-pass-3"}).MustFail(t, "BAD_USER_INPUT")
	old.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	login(anon, "forgetful@casegate.test", "user-password-1").MustFail(t, "UNAUTHENTICATED")
	s.Login("forgetful@casegate.test", "brand-new-pass-2")

	// A link works for one hour only.
	anon.Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	mails = deliver(t, s, 2)
	late := linkRE.FindStringSubmatch(mails[1])[1]
	s.Clock.Advance(time.Hour + time.Minute)
	anon.Do(reset, map[string]any{"t": late, "p": "brand-new-pass-4"}).MustFail(t, "BAD_USER_INPUT")

	// Nothing secret reached the audit log.
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE array_to_string(changed_fields, ' ') LIKE ?`, "%brand-new%"); n != 0 {
		t.Fatal("password in audit log")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password'`); n != 1 {
		t.Fatalf("password change audited %d times, want 1", n)
	}
}

// Asking for a reset link is anonymous: the audit record names no user, only the account concerned.
func TestPasswordResetRequestIsAuditedAsAnonymous(t *testing.T) {
	s := gqltest.Start(t)
	id := createUser(t, s.Admin(), "forgetful@casegate.test", "Forgetful")
	s.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password_reset.request'`); n != 1 {
		t.Fatalf("%d reset-request records, want 1", n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password_reset.request'
		AND kind = 'INTERNAL' AND user_id IS NULL AND native_user_id IS NULL AND entity = 'user' AND entity_id = ?`, id); n != 1 {
		t.Fatal("the reset request is audited as if the account's owner had acted")
	}
	// The audit log shows it without a user.
	var out struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Kind     string
					EntityID string
					User     *struct{ Email string }
				}
			}
		}
	}
	s.Admin().Do(`{ auditLog(filter: {action: "user.password_reset.request"}) { edges { node { kind entityId user { email } } } } }`, nil).
		MustOK(t).Decode(t, &out)
	if len(out.AuditLog.Edges) != 1 || out.AuditLog.Edges[0].Node.User != nil || out.AuditLog.Edges[0].Node.EntityID != id {
		t.Fatalf("audit log = %+v", out.AuditLog)
	}
}

// The clean-up job's part for password recovery: old used or expired links go, and reset mails
// that could not be sent within the link's life are given up with their link redacted.
func TestOldResetsAndUndeliveredLinksAreCleanedUp(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.SMTPAddr = "" }) // no mail server: the link waits
	createUser(t, s.Admin(), "forgetful@casegate.test", "Forgetful")
	anon := s.Anonymous()
	anon.Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	ctx := context.Background()
	authSvc := s.App.Resolver.AuthService

	// Within the hour nothing goes.
	if n, err := authSvc.DeleteOldResets(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteOldResets at once = %d, %v", n, err)
	}
	if n, err := outbox.ExpireSecrets(ctx, s.DB, s.Clock.Now(), auth.ResetTTL); err != nil || n != 0 {
		t.Fatalf("ExpireSecrets at once = %d, %v", n, err)
	}
	// After the link's life the unsent mail is given up and its body no longer holds the link.
	s.Clock.Advance(auth.ResetTTL + time.Minute)
	if n, err := outbox.ExpireSecrets(ctx, s.DB, s.Clock.Now(), auth.ResetTTL); err != nil || n != 1 {
		t.Fatalf("ExpireSecrets after the link's life = %d, %v", n, err)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE body LIKE '%reset-password?token=%' OR failed_at IS NULL OR last_error <> 'expired before delivery'`); n != 0 {
		t.Fatal("an expired reset link is still in the outbox")
	}
	// The expired link itself is kept a day, then deleted; a fresh one is kept.
	if n, err := authSvc.DeleteOldResets(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteOldResets after an hour = %d, %v", n, err)
	}
	s.Clock.Advance(24 * time.Hour)
	anon.Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	if n, err := authSvc.DeleteOldResets(ctx); err != nil || n != 1 {
		t.Fatalf("DeleteOldResets after a day = %d, %v; want the expired one", n, err)
	}
	if n := s.Count(`SELECT count(*) FROM password_resets`); n != 1 {
		t.Fatalf("%d resets left, want the fresh one", n)
	}
}
