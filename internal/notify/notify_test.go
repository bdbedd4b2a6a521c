package notify_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/notify"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

type mail struct {
	Recipient        string `bun:"recipient"`
	Subject          string `bun:"subject"`
	Body             string `bun:"body"`
	Secret           bool   `bun:"secret"`
	ConcerningUserID string `bun:"concerning_user_id"`
}

type world struct {
	t  *testing.T
	db *bun.DB
}

func newWorld(t *testing.T) *world { return &world{t: t, db: dbtest.New(t)} }

func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.ExecContext(context.Background(), q, args...); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) user(email, name string) string {
	w.t.Helper()
	var id string
	if err := w.db.NewRaw(`INSERT INTO users (email, name) VALUES (?, ?) RETURNING id`, email, name).
		Scan(context.Background(), &id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// substitution inserts a substitution of substituted by substitute over [from, to] (days).
func (w *world) substitution(substituted, substitute, from, to string, forward bool) string {
	w.t.Helper()
	var id string
	if err := w.db.NewRaw(`INSERT INTO substitutions (substituted_id, substitute_id, date_from, date_to, forward_emails, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, now(), now()) RETURNING id`, substituted, substitute, from, to, forward).
		Scan(context.Background(), &id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// send runs notify.ToUser in a transaction, as a service would, and returns the outbox afterwards
// (emptying it for the next call).
func (w *world) send(at time.Time, zone, userID string) []mail {
	w.t.Helper()
	ctx := context.Background()
	err := w.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return notify.ToUser(ctx, tx, at, zone, userID, notify.Mail{Subject: "casegate: case \"Urlop\" is yours", Body: "the case is yours.\n"})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []mail
	if err := w.db.NewRaw(`SELECT recipient, subject, body, secret, concerning_user_id FROM outbox ORDER BY id`).Scan(ctx, &out); err != nil {
		w.t.Fatal(err)
	}
	w.exec(`DELETE FROM outbox`)
	return out
}

func recipients(ms []mail) []string {
	var r []string
	for _, m := range ms {
		r = append(r, m.Recipient)
	}
	return r
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const warsaw = "Europe/Warsaw"

func TestCopyToSubstituteInForce(t *testing.T) {
	w := newWorld(t)
	boss := w.user("boss@casegate.test", "Barbara Boss")
	sub := w.user("sub@casegate.test", "Adam Sub")
	w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)

	got := w.send(mustTime(t, "2026-12-15T12:00:00Z"), warsaw, boss)
	if len(got) != 2 || got[0].Recipient != "boss@casegate.test" || got[1].Recipient != "sub@casegate.test" {
		t.Fatalf("recipients = %v, want the user then the substitute", recipients(got))
	}
	own, cp := got[0], got[1]
	if own.Subject != `casegate: case "Urlop" is yours` || own.Body != "Hello Barbara Boss,\n\nthe case is yours.\n" {
		t.Fatalf("the user's mail = %+v", own)
	}
	if cp.Subject != `[for Barbara Boss] casegate: case "Urlop" is yours` {
		t.Fatalf("copy's subject = %q", cp.Subject)
	}
	if !strings.HasPrefix(cp.Body, "Hello Adam Sub,\n\nthis is a copy of a message to Barbara Boss. You receive it because you substitute Barbara Boss until 2026-12-20.\n\n") ||
		!strings.HasSuffix(cp.Body, "the case is yours.\n") {
		t.Fatalf("copy's body = %q", cp.Body)
	}
	for _, m := range got {
		if m.ConcerningUserID != boss || m.Secret {
			t.Fatalf("mail %+v: want concerning the substituted user, not secret", m)
		}
	}
}

// The period runs from the first second of date_from to the last of date_to in the server's time
// zone (Warsaw is UTC+1 in December), whether the zone is the default or the stored setting.
func TestCopyOnlyWithinThePeriod(t *testing.T) {
	w := newWorld(t)
	boss := w.user("boss@casegate.test", "Barbara Boss")
	sub := w.user("sub@casegate.test", "Adam Sub")
	w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
	for _, zoneSetting := range []bool{false, true} {
		zone := warsaw
		if zoneSetting {
			w.exec(`INSERT INTO settings (key, value, updated_at) VALUES ('timeZone', '"Europe/Warsaw"', now())`)
			zone = "UTC" // the default, overridden by the setting
		}
		for _, c := range []struct {
			at     string
			copied bool
		}{
			{"2026-12-09T22:59:59Z", false}, // 23:59:59 on the 9th in Warsaw
			{"2026-12-09T23:00:00Z", true},  // 00:00:00 on the 10th
			{"2026-12-20T22:59:59Z", true},  // 23:59:59 on the 20th
			{"2026-12-20T23:00:00Z", false}, // 00:00:00 on the 21st
		} {
			got := w.send(mustTime(t, c.at), zone, boss)
			if want := map[bool]int{false: 1, true: 2}[c.copied]; len(got) != want {
				t.Errorf("setting %v, at %s: recipients %v, want %d mails", zoneSetting, c.at, recipients(got), want)
			}
		}
	}
}

func TestNoCopy(t *testing.T) {
	at := mustTime(t, "2026-12-15T12:00:00Z")
	for name, setup := range map[string]func(w *world, boss, sub string){
		"forward_emails off": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-10", "2026-12-20", false)
		},
		"substitution inactive": func(w *world, boss, sub string) {
			id := w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
			w.exec(`UPDATE substitutions SET active = false WHERE id = ?`, id)
		},
		"not started": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-16", "2026-12-20", true)
		},
		"ended": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-01", "2026-12-14", true)
		},
		"substitute deactivated": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
			w.exec(`UPDATE users SET status = 'DEACTIVATED' WHERE id = ?`, sub)
		},
		"substitute blocked": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
			w.exec(`UPDATE users SET status = 'BLOCKED' WHERE id = ?`, sub)
		},
		"the other way round": func(w *world, boss, sub string) {
			w.substitution(sub, boss, "2026-12-10", "2026-12-20", true) // boss substitutes sub
		},
		"profile expired": func(w *world, boss, sub string) {
			w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
			w.exec(`UPDATE users SET profile_expires_on = '2026-12-14' WHERE id = ?`, boss)
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			boss := w.user("boss@casegate.test", "Barbara Boss")
			sub := w.user("sub@casegate.test", "Adam Sub")
			setup(w, boss, sub)
			got := w.send(at, warsaw, boss)
			if len(got) != 1 || got[0].Recipient != "boss@casegate.test" {
				t.Fatalf("recipients = %v, want only the user", recipients(got))
			}
		})
	}
}

// With substitutionForExpiredProfiles a substitution outlives the substituted user's profile, and
// so do its copies.
func TestCopyForExpiredProfileWhenAllowed(t *testing.T) {
	w := newWorld(t)
	boss := w.user("boss@casegate.test", "Barbara Boss")
	sub := w.user("sub@casegate.test", "Adam Sub")
	w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
	w.exec(`UPDATE users SET profile_expires_on = '2026-12-14' WHERE id = ?`, boss)
	w.exec(`INSERT INTO settings (key, value, updated_at) VALUES ('substitutionForExpiredProfiles', 'true', now())`)
	if got := w.send(mustTime(t, "2026-12-15T12:00:00Z"), warsaw, boss); len(got) != 2 {
		t.Fatalf("recipients = %v, want the user and the substitute", recipients(got))
	}
}

// Every substitute in force gets a copy, once each however many of their substitutions overlap.
func TestCopyToEverySubstituteOnce(t *testing.T) {
	w := newWorld(t)
	boss := w.user("boss@casegate.test", "Barbara Boss")
	a := w.user("a@casegate.test", "Adam")
	b := w.user("b@casegate.test", "Beata")
	w.substitution(boss, a, "2026-12-10", "2026-12-20", true)
	w.substitution(boss, a, "2026-12-12", "2026-12-31", true)
	w.substitution(boss, b, "2026-12-01", "2026-12-16", true)
	got := w.send(mustTime(t, "2026-12-15T12:00:00Z"), warsaw, boss)
	if len(got) != 3 {
		t.Fatalf("recipients = %v, want the user and each substitute once", recipients(got))
	}
	for _, m := range got[1:] {
		if m.Recipient == "a@casegate.test" && !strings.Contains(m.Body, "until 2026-12-31.") {
			t.Fatalf("a's copy names the wrong end: %q", m.Body)
		}
	}
}

func TestNoMailToSystemOrInactiveUsers(t *testing.T) {
	w := newWorld(t)
	at := mustTime(t, "2026-12-15T12:00:00Z")
	sub := w.user("sub@casegate.test", "Adam Sub")
	w.substitution(access.SystemUserID, sub, "2026-12-10", "2026-12-20", true)
	if got := w.send(at, warsaw, access.SystemUserID); len(got) != 0 {
		t.Fatalf("mails to the system user: %v", recipients(got))
	}
	for _, st := range []string{"DEACTIVATED", "BLOCKED"} {
		gone := w.user(strings.ToLower(st)+"@casegate.test", st)
		w.substitution(gone, sub, "2026-12-10", "2026-12-20", true)
		w.exec(`UPDATE users SET status = ? WHERE id = ?`, st, gone)
		if got := w.send(at, warsaw, gone); len(got) != 0 {
			t.Fatalf("mails to a %s user: %v", st, recipients(got))
		}
	}
}

// Nothing is written when the caller's transaction rolls back.
func TestMailsShareTheCallersTransaction(t *testing.T) {
	w := newWorld(t)
	boss := w.user("boss@casegate.test", "Barbara Boss")
	sub := w.user("sub@casegate.test", "Adam Sub")
	w.substitution(boss, sub, "2026-12-10", "2026-12-20", true)
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := notify.ToUser(ctx, tx, mustTime(t, "2026-12-15T12:00:00Z"), warsaw, boss, notify.Mail{Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := w.db.NewSelect().TableExpr("outbox").Count(ctx); err != nil || n != 0 {
		t.Fatalf("outbox after rollback: %d, %v", n, err)
	}
}
