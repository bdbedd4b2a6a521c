package substitution_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/substitution"
	"github.com/casegate/casegate/internal/substtest"
	"github.com/casegate/casegate/internal/users"
)

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// world is two employees with different facts, the substitute a and the substituted b, and the
// services at a fake clock; nothing runs in the background.
type world struct {
	db        *bun.DB
	clock     *clockwork.FakeClock
	settings  *settings.Service
	auth      *auth.Service
	subs      *substitution.Service
	users     *users.Service
	a, b      *access.Principal // the users' own facts
	token     string            // a's session
	sessionID string
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	db := dbtest.New(t)
	ctx := context.Background()
	exec := execer(t, db)
	w := &world{db: db, clock: clockwork.NewFakeClockAt(now)}
	w.settings = &settings.Service{DB: db, Clock: w.clock, Defaults: settings.Settings{TimeZone: "Europe/Warsaw"}}
	w.auth = &auth.Service{DB: db, Clock: w.clock, TTL: time.Hour, Settings: w.settings}
	w.subs = &substitution.Service{DB: db, Clock: w.clock, Settings: w.settings, Auth: w.auth}
	w.users = &users.Service{DB: db, Clock: w.clock, Password: password.Default}
	a, b, g1, g2, pos, cl := uuidFor("user", 1), uuidFor("user", 2), uuidFor("grp", 1), uuidFor("grp", 2), uuidFor("pos", 1), uuidFor("client", 1)
	exec(`INSERT INTO users (id, email, name, permissions) VALUES (?, 'a@x.test', 'A', '{VIEW_AUDIT}'), (?, 'b@x.test', 'B', '{MANAGE_SUBSTITUTIONS_OWN}')`, a, b)
	exec(`INSERT INTO groups (id, name) VALUES (?, 'G1'), (?, 'G2')`, g1, g2)
	exec(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?), (?, ?)`, g1, a, g2, b)
	exec(`INSERT INTO positions (id, name, path) VALUES (?, 'P', ?)`, pos, "/"+pos+"/")
	exec(`INSERT INTO position_rights (position_id, user_id, include_subtree) VALUES (?, ?, true)`, pos, b)
	exec(`INSERT INTO clients (id, kind, name) VALUES (?, 'COMPANY', 'C')`, cl)
	exec(`INSERT INTO client_grants (client_id, user_id) VALUES (?, ?)`, cl, b)
	w.a = &access.Principal{Kind: access.KindInternal, UserID: a, Groups: []string{g1}, Permissions: []access.Permission{access.PermViewAudit}}
	w.b = &access.Principal{Kind: access.KindInternal, UserID: b, Groups: []string{g2}, Permissions: []access.Permission{access.PermManageSubstitutionsOwn},
		PositionRights: []access.PositionRight{{PositionID: pos, Path: "/" + pos + "/", IncludeSubtree: true}}, ClientGrants: []string{cl}}
	token, hash := session.NewToken()
	s := &session.Session{TokenHash: hash, Kind: access.KindInternal, UserID: &a, CreatedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}
	if err := session.Create(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	w.token, w.sessionID = token, s.ID
	return w
}

// create stores a substitution of b by a, as the system user at the world's clock.
func (w *world) create(t *testing.T, from, to time.Time) *substitution.Substitution {
	t.Helper()
	substituted, substitute := w.b.UserID, w.a.UserID
	sb, err := w.subs.Create(context.Background(), access.System(), substitution.Input{SubstitutedID: &substituted, SubstituteID: &substitute, DateFrom: &from, DateTo: &to})
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// principal is a's session's principal at at, built by the request path.
func (w *world) principal(t *testing.T, at time.Time) (*access.Principal, error) {
	t.Helper()
	w.clock = clockwork.NewFakeClockAt(at)
	w.auth.Clock, w.subs.Clock, w.settings.Clock, w.users.Clock = w.clock, w.clock, w.clock, w.clock
	return w.auth.Authenticate(context.Background(), w.token)
}

// substituted asserts that a's session works as b in sb at at.
func (w *world) substituted(t *testing.T, at time.Time, sb string, why string) {
	t.Helper()
	p, err := w.principal(t, at)
	if err != nil {
		t.Fatalf("%s, at %s: %v", why, at, err)
	}
	if p.UserID != w.b.UserID || p.NativeUserID != w.a.UserID || p.SubstitutionID != sb || !p.Substituting() {
		t.Fatalf("%s, at %s: user %s native %s substitution %q, want %s as %s in %s", why, at, p.UserID, p.NativeUserID, p.SubstitutionID, w.a.UserID, w.b.UserID, sb)
	}
	if err := substtest.SameFacts(p, w.b); err != nil {
		t.Fatalf("%s, at %s: %v", why, at, err)
	}
}

// native asserts that a's session works as a itself at at.
func (w *world) native(t *testing.T, at time.Time, why string) {
	t.Helper()
	p, err := w.principal(t, at)
	if err != nil {
		t.Fatalf("%s, at %s: %v", why, at, err)
	}
	if p.UserID != w.a.UserID || p.NativeUserID != w.a.UserID || p.SubstitutionID != "" || p.Substituting() {
		t.Fatalf("%s, at %s: user %s native %s substitution %q, want %s itself", why, at, p.UserID, p.NativeUserID, p.SubstitutionID, w.a.UserID)
	}
	if err := substtest.SameFacts(p, w.a); err != nil {
		t.Fatalf("%s, at %s: %v", why, at, err)
	}
}

// TestSubstitutionPeriodThroughThePrincipalQuery: a session working in a substitution of 24 to 25
// October 2026 (Warsaw's clocks go back on the 25th) is substituted from the first second of the
// 24th to the last second of the 25th in Warsaw, and native a second before and a second after;
// the session keeps naming the substitution throughout, so only the request-time check decides.
func TestSubstitutionPeriodThroughThePrincipalQuery(t *testing.T) {
	ctx := context.Background()
	before, first := utc(t, "2026-10-23T21:59:59Z"), utc(t, "2026-10-23T22:00:00Z") // 00:00 CEST is 22:00 UTC
	last, after := utc(t, "2026-10-25T22:59:59Z"), utc(t, "2026-10-25T23:00:00Z")   // 00:00 CET is 23:00 UTC
	w := newWorld(t, utc(t, "2026-10-20T10:00:00Z"))
	sb := w.create(t, time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC))

	// A second early, starting is refused and the session stays native.
	p, err := w.principal(t, before)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.subs.Start(ctx, p, sb.ID); !errors.Is(err, apperr.ErrPrecondition) {
		t.Fatalf("start a second early: %v, want PRECONDITION_FAILED", err)
	}
	w.native(t, before, "after a refused start")

	// At the first second it starts, and the principal returned is already b's.
	p, err = w.principal(t, first)
	if err != nil {
		t.Fatal(err)
	}
	started, err := w.subs.Start(ctx, p, sb.ID)
	if err != nil {
		t.Fatalf("start at the first second: %v", err)
	}
	if started.UserID != w.b.UserID || started.SubstitutionID != sb.ID {
		t.Fatalf("started: %+v", started)
	}
	if err := substtest.SameFacts(started, w.b); err != nil {
		t.Fatal(err)
	}
	w.substituted(t, first, sb.ID, "the first second of dateFrom")
	w.substituted(t, utc(t, "2026-10-25T00:30:00Z"), sb.ID, "during the hour that repeats (02:30 CEST)")
	w.substituted(t, utc(t, "2026-10-25T01:30:00Z"), sb.ID, "during the hour that repeats (02:30 CET)")
	w.substituted(t, last, sb.ID, "the last second of dateTo")
	w.native(t, after, "the first second after dateTo")
	w.native(t, before, "a second before dateFrom, with the session naming the substitution")
	var named *string
	if err := w.db.NewSelect().Table("sessions").Column("substitution_id").Where("id = ?", w.sessionID).Scan(ctx, &named); err != nil {
		t.Fatal(err)
	}
	if named == nil || *named != sb.ID {
		t.Fatalf("the session names %v, want %s: the checks above did not test the request-time check", named, sb.ID)
	}

	// The server's time zone is a setting: in New York the same dates start six hours later.
	if _, err := w.db.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('timeZone', '"America/New_York"', now())`); err != nil {
		t.Fatal(err)
	}
	w.native(t, utc(t, "2026-10-24T03:59:59Z"), "a second before dateFrom in New York")
	w.substituted(t, utc(t, "2026-10-24T04:00:00Z"), sb.ID, "the first second of dateFrom in New York")
	w.substituted(t, utc(t, "2026-10-26T03:59:59Z"), sb.ID, "the last second of dateTo in New York")
	w.native(t, utc(t, "2026-10-26T04:00:00Z"), "the first second after dateTo in New York")
}

// TestSubstitutionEndsWithItsPeople: whatever the jobs have done, the next request after
// deactivating the substitution or the substituted user, blocking the substituted user or expiring
// its profile is native; the substitute's own deactivation ends the session.
func TestSubstitutionEndsWithItsPeople(t *testing.T) {
	ctx := context.Background()
	mid := utc(t, "2026-12-10T12:00:00Z")
	w := newWorld(t, mid)
	sb := w.create(t, time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC))
	p, err := w.principal(t, mid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.subs.Start(ctx, p, sb.ID); err != nil {
		t.Fatal(err)
	}
	w.substituted(t, mid, sb.ID, "started")
	exec := execer(t, w.db)
	system := access.System()

	// The substituted user deactivated, then blocked, behind the services' back: the request path
	// alone answers native, and substituted again once the user is active (the session still names
	// the substitution).
	for _, st := range []users.Status{users.Deactivated, users.Blocked} {
		exec(`UPDATE users SET status = ? WHERE id = ?`, st, w.b.UserID)
		w.native(t, mid, "the substituted user "+string(st)+" in the table")
		exec(`UPDATE users SET status = 'ACTIVE' WHERE id = ?`, w.b.UserID)
		w.substituted(t, mid, sb.ID, "the substituted user active again in the table")
	}
	// Through the users service the sessions working as the user are switched back for good: a
	// reactivation does not resume them unasked; the substitute starts again.
	for _, st := range []users.Status{users.Deactivated, users.Blocked} {
		if _, err := w.users.SetStatus(ctx, system, w.b.UserID, st); err != nil {
			t.Fatal(err)
		}
		w.native(t, mid, "the substituted user "+string(st))
		if _, err := w.users.SetStatus(ctx, system, w.b.UserID, users.Active); err != nil {
			t.Fatal(err)
		}
		w.native(t, mid, "the substituted user active again")
		p, err := w.principal(t, mid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.subs.Start(ctx, p, sb.ID); err != nil {
			t.Fatal(err)
		}
		w.substituted(t, mid, sb.ID, "started again")
	}

	// The substituted user's profile expired yesterday: native, unless the setting allows it.
	exec(`UPDATE users SET profile_expires_on = '2026-12-09' WHERE id = ?`, w.b.UserID)
	w.native(t, mid, "the substituted user's profile expired")
	exec(`INSERT INTO settings (key, value, updated_at) VALUES ('substitutionForExpiredProfiles', 'true', now())`)
	w.substituted(t, mid, sb.ID, "an expired profile, allowed by the setting")
	exec(`DELETE FROM settings WHERE key = 'substitutionForExpiredProfiles'`)
	w.native(t, mid, "the setting off again")
	exec(`UPDATE users SET profile_expires_on = '2026-12-10' WHERE id = ?`, w.b.UserID)
	w.substituted(t, mid, sb.ID, "the profile's last day")
	exec(`UPDATE users SET profile_expires_on = NULL WHERE id = ?`, w.b.UserID)

	// The substitution deactivated behind the service's back: the request path alone ends it.
	exec(`UPDATE substitutions SET active = false WHERE id = ?`, sb.ID)
	w.native(t, mid, "the substitution deactivated (in the table)")
	exec(`UPDATE substitutions SET active = true WHERE id = ?`, sb.ID)
	w.substituted(t, mid, sb.ID, "the substitution active again")

	// Deactivated through the service: native, and the session no longer names it.
	off := false
	if _, err := w.subs.Update(ctx, system, sb.ID, substitution.Input{Active: &off}); err != nil {
		t.Fatal(err)
	}
	w.native(t, mid, "the substitution deactivated")
	var named *string
	if err := w.db.NewSelect().Table("sessions").Column("substitution_id").Where("id = ?", w.sessionID).Scan(ctx, &named); err != nil {
		t.Fatal(err)
	}
	if named != nil {
		t.Fatalf("the session still names substitution %s", *named)
	}

	// Working in it again, then the substitute deactivated (its session row left in place, as if
	// the service had not deleted it): the session is gone.
	on := true
	if _, err := w.subs.Update(ctx, system, sb.ID, substitution.Input{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if p, err = w.principal(t, mid); err != nil {
		t.Fatal(err)
	}
	if _, err := w.subs.Start(ctx, p, sb.ID); err != nil {
		t.Fatal(err)
	}
	w.substituted(t, mid, sb.ID, "started again")
	exec(`UPDATE users SET status = 'DEACTIVATED' WHERE id = ?`, w.a.UserID)
	if p, err := w.principal(t, mid); !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Fatalf("the substitute deactivated: %+v, %v; want UNAUTHENTICATED", p, err)
	}
}
