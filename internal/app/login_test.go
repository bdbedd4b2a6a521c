package app_test

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

const loginQ = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt viewer { kind permissions user { email } nativeUser { email } } } }`

func login(c *gqltest.Client, email, pw string) *gqltest.Response {
	return c.Do(loginQ, map[string]any{"e": email, "p": pw})
}

func createUser(t *testing.T, admin *gqltest.Client, email, name string) string {
	t.Helper()
	r := admin.Do(`mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"email": email, "name": name, "password": "user-password-1"}})
	r.MustOK(t)
	var out struct{ CreateUser struct{ ID string } }
	r.Decode(t, &out)
	return out.CreateUser.ID
}

func TestLoginAndMe(t *testing.T) {
	s := gqltest.Start(t)
	r := login(s.Anonymous(), "  ADMIN@casegate.test ", gqltest.AdminPassword).MustOK(t)
	var out struct {
		Login struct {
			Token     string
			ExpiresAt time.Time
			Viewer    struct {
				Kind        string
				Permissions []string
				User        struct{ Email string }
				NativeUser  struct{ Email string }
			}
		}
	}
	r.Decode(t, &out)
	if len(out.Login.Token) < 43 { // 32 random bytes, base64url
		t.Fatalf("token too short: %q", out.Login.Token)
	}
	if got := out.Login.ExpiresAt.Sub(s.Clock.Now()); got < 11*time.Hour || got > 13*time.Hour {
		t.Fatalf("session lifetime %v, want the default 12h", got)
	}
	v := out.Login.Viewer
	if v.Kind != "INTERNAL" || v.User.Email != gqltest.AdminEmail || v.NativeUser.Email != gqltest.AdminEmail || len(v.Permissions) != 1 || v.Permissions[0] != "ADMIN" {
		t.Fatalf("viewer = %+v", v)
	}
	// The token is stored only as a hash.
	if n := s.Count(`SELECT count(*) FROM sessions WHERE token_hash = convert_to(?, 'UTF8')`, out.Login.Token); n != 0 {
		t.Fatal("token stored in clear")
	}
	c := s.Admin()
	var m struct {
		Me struct {
			Kind string
			User struct{ Email string }
		}
	}
	c.Do(`{ me { kind user { email } } }`, nil).MustOK(t).Decode(t, &m)
	if m.Me.Kind != "INTERNAL" || m.Me.User.Email != gqltest.AdminEmail {
		t.Fatalf("me = %+v", m.Me)
	}
}

func TestFailedLoginsAllLookTheSame(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	blocked := createUser(t, admin, "blocked@casegate.test", "Blocked User")
	admin.Do(`mutation($id: ID!) { setUserStatus(id: $id, status: BLOCKED) { status } }`, map[string]any{"id": blocked}).MustOK(t)
	deactivated := createUser(t, admin, "gone@casegate.test", "Gone User")
	admin.Do(`mutation($id: ID!) { setUserStatus(id: $id, status: DEACTIVATED) { status } }`, map[string]any{"id": deactivated}).MustOK(t)

	var messages []string
	for _, tc := range []struct{ name, email, pw string }{
		{"wrong password", gqltest.AdminEmail, "not-the-password-1"},
		{"unknown user", "nobody@casegate.test", "user-password-1"},
		{"blocked user, right password", "blocked@casegate.test", "user-password-1"},
		{"deactivated user, right password", "gone@casegate.test", "user-password-1"},
		{"system user", "system@casegate.invalid", "anything-at-all-1"},
	} {
		e := login(s.Anonymous(), tc.email, tc.pw).MustFail(t, "UNAUTHENTICATED")
		messages = append(messages, e.Message)
	}
	for _, m := range messages {
		if m != messages[0] {
			t.Fatalf("failed logins answer differently: %q", messages)
		}
	}
}

func TestLoginRateLimits(t *testing.T) {
	s := gqltest.Start(t)
	for i := 0; i < 5; i++ {
		login(s.Anonymous(), gqltest.AdminEmail, "wrong-password-1").MustFail(t, "UNAUTHENTICATED")
	}
	// Even the right password is refused while the account is limited.
	login(s.Anonymous(), gqltest.AdminEmail, gqltest.AdminPassword).MustFail(t, "RATE_LIMITED")
	s.Clock.Advance(16 * time.Minute)
	login(s.Anonymous(), gqltest.AdminEmail, gqltest.AdminPassword).MustOK(t)

	// Per client address: many accounts from one address.
	for i := 0; i < 20; i++ {
		login(s.Anonymous(), "someone"+string(rune('a'+i))+"@casegate.test", "wrong-password-1").MustFail(t, "UNAUTHENTICATED")
	}
	login(s.Anonymous(), gqltest.AdminEmail, gqltest.AdminPassword).MustFail(t, "RATE_LIMITED")
}

// TestLoginRateLimitsBehindAProxy: with the proxy trusted, each client behind it has its own
// per-address limit, and what a client writes into X-Forwarded-For does not give it a new one.
func TestLoginRateLimitsBehindAProxy(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	behind := func(xff string) *gqltest.Client {
		c := s.Anonymous()
		c.Header = http.Header{"X-Forwarded-For": {xff}}
		return c
	}
	for i := 0; i < 20; i++ {
		login(behind("203.0.113.1"), "someone"+string(rune('a'+i))+"@casegate.test", "wrong-password-1").MustFail(t, "UNAUTHENTICATED")
	}
	login(behind("203.0.113.1"), gqltest.AdminEmail, gqltest.AdminPassword).MustFail(t, "RATE_LIMITED")
	login(behind("198.51.100.2, 203.0.113.1"), gqltest.AdminEmail, gqltest.AdminPassword).MustFail(t, "RATE_LIMITED")
	login(behind("203.0.113.2"), gqltest.AdminEmail, gqltest.AdminPassword).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM sessions WHERE client_addr = '203.0.113.2'`); n != 1 {
		t.Fatalf("%d sessions record the client behind the proxy", n)
	}
}

func TestSessionsEnd(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	id := createUser(t, admin, "worker@casegate.test", "Worker")
	const meQ = `{ me { user { email } } }`

	// Logout ends the session at once.
	w := s.Login("worker@casegate.test", "user-password-1")
	w.Do(meQ, nil).MustOK(t)
	w.Do(`mutation { logout }`, nil).MustOK(t)
	w.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")

	// Deactivation and blocking end every session of the user at once.
	for _, status := range []string{"DEACTIVATED", "BLOCKED"} {
		admin.Do(`mutation($id: ID!) { setUserStatus(id: $id, status: ACTIVE) { status } }`, map[string]any{"id": id}).MustOK(t)
		a, b := s.Login("worker@casegate.test", "user-password-1"), s.Login("worker@casegate.test", "user-password-1")
		admin.Do(`mutation($id: ID!, $s: UserStatus!) { setUserStatus(id: $id, status: $s) { status } }`, map[string]any{"id": id, "s": status}).MustOK(t)
		a.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
		b.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
		if n := s.Count(`SELECT count(*) FROM sessions WHERE user_id = ?`, id); n != 0 {
			t.Fatalf("%s left %d sessions", status, n)
		}
	}

	// Expiry is checked against the clock on every request, whatever the clean-up job did.
	admin.Do(meQ, nil).MustOK(t)
	s.Clock.Advance(12*time.Hour + time.Second)
	admin.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
}

func TestProfileExpiryEndsLogin(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	id := createUser(t, admin, "temp@casegate.test", "Temp Worker")
	today := s.Clock.Now().In(mustLoc(t, "Europe/Warsaw")).Format("2006-01-02")
	admin.Do(`mutation($id: ID!, $d: Date) { updateUser(id: $id, input: {profileExpiresOn: $d}) { profileExpiresOn } }`,
		map[string]any{"id": id, "d": today}).MustOK(t)
	c := s.Login("temp@casegate.test", "user-password-1") // valid through its last day
	s.Clock.Advance(25 * time.Hour)
	c.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	login(s.Anonymous(), "temp@casegate.test", "user-password-1").MustFail(t, "UNAUTHENTICATED")
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Concurrent wrong logins for one account cannot get past the limit: the check, the verification
// and the recording of a failure are one step as far as other attempts can tell.
func TestLoginRateLimitHoldsUnderConcurrency(t *testing.T) {
	s := gqltest.Start(t)
	const attempts = 30
	codes := make([]string, attempts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			codes[i] = login(s.Anonymous(), gqltest.AdminEmail, "wrong-password-1").Code()
		})
	}
	close(start)
	wg.Wait()
	verified := 0
	for _, c := range codes {
		switch c {
		case "RATE_LIMITED":
		case "UNAUTHENTICATED":
			verified++
		default:
			t.Fatalf("unexpected answer %q", c)
		}
	}
	if verified > auth.DefaultLimits.PerAccount {
		t.Fatalf("%d of %d concurrent wrong logins were checked, want at most %d", verified, attempts, auth.DefaultLimits.PerAccount)
	}
	if n := s.Count(`SELECT count(*) FROM login_failures`); n > auth.DefaultLimits.PerAccount {
		t.Fatalf("%d failures recorded, want at most %d", n, auth.DefaultLimits.PerAccount)
	}
}

// Concurrent reset requests for one account send no more than the hourly bound.
func TestPasswordResetRequestsBoundedUnderConcurrency(t *testing.T) {
	s := gqltest.Start(t)
	const requests = 30
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() {
			<-start
			s.Anonymous().Do(`mutation { requestPasswordReset(email: "admin@casegate.test") }`, nil).MustOK(t)
		})
	}
	close(start)
	wg.Wait()
	if n := s.Count(`SELECT count(*) FROM password_resets`); n > 5 {
		t.Fatalf("%d reset links for one account within the hour, want at most 5", n)
	}
	if n := s.Count(`SELECT count(*) FROM outbox`); n > 5 {
		t.Fatalf("%d reset mails queued, want at most 5", n)
	}
}

// A time zone PostgreSQL does not know, stored before updateSettings checked zones, shut out every
// user with a profile expiry date (HTTP 500 on each request); the migration that removes it lets
// them in again under the configured zone.
func TestStoredUnknownTimeZoneIsRemoved(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	id := createUser(t, admin, "dated@casegate.test", "Dated Worker")
	admin.Do(`mutation($id: ID!) { updateUser(id: $id, input: {profileExpiresOn: "9999-12-31"}) { id } }`,
		map[string]any{"id": id}).MustOK(t)
	ctx := context.Background()
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('timeZone', '"Local"')
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
		t.Fatal(err)
	}
	migration, err := os.ReadFile("../../migrations/20261204000003_settings_time_zone.tx.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.ExecContext(ctx, string(migration)); err != nil {
		t.Fatal(err)
	}
	c := s.Login("dated@casegate.test", "user-password-1")
	c.Do(`{ me { kind } }`, nil).MustOK(t)
	var zone struct{ Settings struct{ TimeZone string } }
	admin.Do(`{ settings { timeZone } }`, nil).MustOK(t).Decode(t, &zone)
	if zone.Settings.TimeZone != "Europe/Warsaw" {
		t.Fatalf("time zone %q after the repair", zone.Settings.TimeZone)
	}
	// A zone PostgreSQL knows is kept.
	admin.Do(`mutation { updateSettings(input: {timeZone: "Europe/Berlin"}) { timeZone } }`, nil).MustOK(t)
	if _, err := s.DB.ExecContext(ctx, string(migration)); err != nil {
		t.Fatal(err)
	}
	admin.Do(`{ settings { timeZone } }`, nil).MustOK(t).Decode(t, &zone)
	if zone.Settings.TimeZone != "Europe/Berlin" {
		t.Fatalf("a valid zone became %q", zone.Settings.TimeZone)
	}
}
