package outbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/smtptest"
)

// A row the code cannot read (an expiry in the year 10000 or infinity, as grantTemporaryAccess
// once wrote) is failed at once with the reason, and every other message still goes out in the
// same run: one row never stops the outbox.
func TestUnreadableMessageDelaysNoOther(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	ctx := context.Background()
	enqueueAll(t, db, true, email("first@example.test", "First", "one"))
	var bad []int64
	for _, expires := range []string{"10000-01-03 23:59:59+00", "infinity"} {
		var id int64
		err := db.NewRaw(`INSERT INTO outbox (channel, recipient, subject, body, secret, expires_at, next_attempt_at)
			VALUES ('email', 'someone@example.com', 'Access', 'https://casegate.test/access/secret-token', true, ?::timestamptz, now() - interval '1 hour')
			RETURNING id`, expires).Scan(ctx, &id)
		if err != nil {
			t.Fatal(err)
		}
		bad = append(bad, id)
	}
	enqueueAll(t, db, true, email("second@example.test", "Second", "two"), email("third@example.test", "Third", "three"))

	d := emailDeliverer(db, mailSender(t, srv), clockAfterCommit(), t)
	if n := deliver(t, d); n != 3 {
		t.Fatalf("sent %d, want the 3 readable messages", n)
	}
	got := srv.WaitFor(t, 3, 5*time.Second)
	for _, m := range got {
		if m.To[0] == "someone@example.com" {
			t.Errorf("the unreadable message was sent")
		}
	}
	for _, id := range bad {
		var r struct {
			FailedAt  *time.Time `bun:"failed_at"`
			LastError *string    `bun:"last_error"`
			Body      string     `bun:"body"`
			Attempts  int        `bun:"attempts"`
		}
		if err := db.NewSelect().Table("outbox").Column("failed_at", "last_error", "body", "attempts").Where("id = ?", id).Scan(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.FailedAt == nil || r.LastError == nil || !strings.Contains(*r.LastError, "cannot read") {
			t.Errorf("row %d: failed_at=%v last_error=%v, want failed with the reason", id, r.FailedAt, r.LastError)
		} else {
			t.Logf("row %d: %s", id, *r.LastError)
		}
		if r.Body != "[redacted]" || r.Attempts != 1 {
			t.Errorf("row %d: body %q attempts %d, want the secret redacted after one attempt", id, r.Body, r.Attempts)
		}
	}
	if n := deliver(t, d); n != 0 {
		t.Fatalf("a second run sent %d", n)
	}
}

// picky refuses one recipient in a way a careless sender might: a panic, or an error whose text
// PostgreSQL cannot store (a NUL byte, invalid UTF-8, as a remote server may answer).
type picky struct {
	outbox.Sender
	panics, garbles string
}

func (p picky) Send(ctx context.Context, m outbox.Delivery) error {
	switch m.Recipient {
	case p.panics:
		panic("sender bug")
	case p.garbles:
		return errors.New("550 no\x00such \xff user")
	}
	return p.Sender.Send(ctx, m)
}

// A message whose sending panics or fails with an error the database cannot store counts as a
// failed attempt of that message alone.
func TestMisbehavingSendIsOneFailedAttempt(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	ids := enqueueAll(t, db, true,
		email("panic@example.test", "P", "p"),
		email("garble@example.test", "G", "g"),
		email("fine@example.test", "F", "f"))
	d := emailDeliverer(db, picky{mailSender(t, srv), "panic@example.test", "garble@example.test"}, clockAfterCommit(), t)
	if n := deliver(t, d); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if got := srv.WaitFor(t, 1, 5*time.Second); got[0].To[0] != "fine@example.test" {
		t.Fatalf("sent to %v", got[0].To)
	}
	rs := rows(t, db)
	for i, want := range []string{"panic", "550 no"} {
		r := rs[i]
		if r.ID != ids[i] || r.Attempts != 1 || r.LastError == nil || !strings.Contains(*r.LastError, want) || r.SentAt != nil {
			t.Errorf("row %d: attempts=%d last_error=%v sent_at=%v, want one failed attempt mentioning %q", r.ID, r.Attempts, r.LastError, r.SentAt, want)
		}
	}
}

// ExpireSecrets computes nothing per row that can leave PostgreSQL's range of times.
func TestExpireSecretsSurvivesExtremeTimes(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO outbox (channel, recipient, body, secret, created_at)
		VALUES ('email', 'far@example.test', 'link', true, '294276-12-31 23:30:00+00')`); err != nil {
		t.Fatal(err)
	}
	enqueueAll(t, db, true, outbox.Message{Channel: outbox.Email, Recipient: "old@example.test", Body: "code", Secret: true,
		ExpiresAt: time.Now().Add(-time.Minute)})
	n, err := outbox.ExpireSecrets(ctx, db, time.Now(), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("ExpireSecrets = %d, %v; want the expired one given up", n, err)
	}
}
