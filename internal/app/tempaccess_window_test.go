package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// grantWrites counts what a refused grant must not leave behind.
func grantWrites(s *gqltest.Server) [3]int {
	return [3]int{
		s.Count(`SELECT count(*) FROM temporary_access_grants`),
		s.Count(`SELECT count(*) FROM audit_log`),
		s.Count(`SELECT count(*) FROM outbox`),
	}
}

// The call from issue 10: an employee with WRITE on a case opens a window in the year 9999. It
// used to be accepted, and its invitation, expiring in the year 10000, stopped the outbox for
// everyone. validFrom may be at most a year ahead.
func TestGrantWindowOpensAtMostAYearAhead(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	before := grantWrites(s)
	e := w.kadry.Do(fmt.Sprintf(`mutation { grantTemporaryAccess(caseId: %q, input: {email: "someone@example.com", loginMethod: EMAIL_CODE, validFrom: "9999-12-31T23:59:59Z"}) { id validUntil } }`, w.caseID), nil).
		MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["field"] != "validFrom" {
		t.Fatalf("the refusal names %v, want validFrom: %s", e.Extensions["field"], e.Message)
	}
	if after := grantWrites(s); after != before {
		t.Fatalf("the refused grant wrote rows: grants/audit/outbox %v -> %v", before, after)
	}
	// A year ahead exactly is allowed (the fake clock stands still between the two requests).
	from := s.Clock.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	g := w.grant(t, map[string]any{"validFrom": from, "validForDays": 2})
	if g.State != "SCHEDULED" {
		t.Fatalf("a grant a year ahead is %s", g.State)
	}
}

// A window may last at most temporaryAccessMaxDays (30 unless an administrator changes it).
func TestGrantWindowAtMostTheSetting(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	try := func(in map[string]any) *gqltest.Response {
		base := map[string]any{"email": candidateEmail, "loginMethod": "EMAIL_CODE"}
		for k, v := range in {
			base[k] = v
		}
		return w.kadry.Do(grantMutation, map[string]any{"c": w.caseID, "in": base})
	}
	refused := func(r *gqltest.Response, field string) {
		t.Helper()
		before := grantWrites(s)
		if e := r.MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != field {
			t.Fatalf("the refusal names %v, want %s: %s", e.Extensions["field"], field, e.Message)
		}
		if after := grantWrites(s); after != before {
			t.Fatalf("the refused grant wrote rows: %v -> %v", before, after)
		}
	}
	var set struct {
		Settings struct{ TemporaryAccessMaxDays int }
	}
	w.admin.Do(`{ settings { temporaryAccessMaxDays } }`, nil).MustOK(t).Decode(t, &set)
	if set.Settings.TemporaryAccessMaxDays != 30 {
		t.Fatalf("default temporaryAccessMaxDays = %d, want 30", set.Settings.TemporaryAccessMaxDays)
	}
	now := s.Clock.Now().UTC()
	refused(try(map[string]any{"validForDays": 31}), "validForDays")
	refused(try(map[string]any{"validUntil": now.AddDate(0, 0, 31).Format(time.RFC3339)}), "validUntil")
	refused(try(map[string]any{"validFrom": now.AddDate(0, 0, 10).Format(time.RFC3339), "validUntil": now.AddDate(0, 0, 41).Format(time.RFC3339)}), "validUntil")

	// The setting is validated and audited like every other.
	for _, bad := range []int{0, 367, -1} {
		e := w.admin.Do(`mutation($d: Int) { updateSettings(input: {temporaryAccessMaxDays: $d}) { temporaryAccessMaxDays } }`, map[string]any{"d": bad}).MustFail(t, "BAD_USER_INPUT")
		if e.Extensions["field"] != "temporaryAccessMaxDays" {
			t.Fatalf("%d: the refusal names %v", bad, e.Extensions["field"])
		}
	}
	w.kadry.Do(`mutation { updateSettings(input: {temporaryAccessMaxDays: 60}) { temporaryAccessMaxDays } }`, nil).MustFail(t, "FORBIDDEN")
	w.admin.Do(`mutation { updateSettings(input: {temporaryAccessMaxDays: 60}) { temporaryAccessMaxDays } }`, nil).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'settings.update' AND 'temporaryAccessMaxDays' = ANY(changed_fields)`); n != 1 {
		t.Fatalf("%d audit records of the setting", n)
	}
	refused(try(map[string]any{"validForDays": 61}), "validForDays")
	g := w.grant(t, map[string]any{"validForDays": 60})
	if d := g.ValidUntil.Sub(g.ValidFrom); d != 60*24*time.Hour {
		t.Fatalf("window %s, want 60 days", d)
	}
}

// A grant stored before windows were bounded (valid until the year 10000) still lists and can be
// revoked, and its invitation, which nothing can read, is given up without holding back the mail
// sent after it.
func TestGrantStoredOutOfRangeStillReads(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, nil)
	if _, err := s.DB.Exec(`UPDATE temporary_access_grants SET valid_until = '10000-01-03 23:59:59+00' WHERE id = ?`, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec(`UPDATE outbox SET expires_at = '10000-01-03 23:59:59+00'`); err != nil {
		t.Fatal(err)
	}
	var list struct {
		TemporaryAccessGrants struct {
			Edges []struct {
				Node struct {
					ID, State  string
					ValidUntil time.Time
				}
			}
		}
	}
	w.kadry.Do(`query($c: ID!) { temporaryAccessGrants(caseId: $c) { edges { node { id state validUntil } } } }`, map[string]any{"c": w.caseID}).
		MustOK(t).Decode(t, &list)
	if e := list.TemporaryAccessGrants.Edges; len(e) != 1 || e[0].Node.State != "ACTIVE" || e[0].Node.ValidUntil.Year() != 9999 {
		t.Fatalf("grants = %+v, want the grant, ACTIVE, its end shown as the latest time there is", e)
	}

	// Mail written after the unreadable invitation still goes out on the same run.
	createUser(t, w.admin, "forgetful@casegate.test", "Forgetful")
	s.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	mails := deliver(t, s, 1)
	if len(mails) != 1 || mails[0][:len("forgetful@casegate.test")] != "forgetful@casegate.test" {
		t.Fatalf("mails = %q, want only the reset link", mails)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE recipient = ? AND failed_at IS NOT NULL AND last_error LIKE 'cannot read%'`, candidateEmail); n != 1 {
		t.Fatal("the unreadable invitation was not given up with its reason")
	}

	w.kadry.Do(`mutation($id: ID!) { revokeTemporaryAccess(id: $id) { state } }`, map[string]any{"id": g.ID}).MustOK(t)
}

// The person of such a grant still works: its session's principal is built with the window's end
// capped at the latest time Go can read.
func TestPersonOfAGrantStoredOutOfRange(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, nil)
	link := inviteLink(t, s)
	if _, err := s.DB.Exec(`UPDATE temporary_access_grants SET valid_until = '10000-01-03 23:59:59+00' WHERE id = ?`, g.ID); err != nil {
		t.Fatal(err)
	}
	sess := signIn(t, s, link, mailedCode(t, s, link))
	var me struct {
		Me struct {
			Grant struct{ ValidUntil time.Time }
		}
	}
	s.WithToken(sess.Token).Do(`{ me { grant { validUntil } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Grant.ValidUntil.Year() != 9999 {
		t.Fatalf("validUntil = %s", me.Me.Grant.ValidUntil)
	}
}
