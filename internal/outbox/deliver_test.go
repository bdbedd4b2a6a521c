package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/mail"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/smtptest"
)

func TestDeliversCommittedMessagesOnce(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	want := []outbox.Message{
		email("anna@example.test", "Welcome", "Hello Anna,\nyour account is ready."),
		email("bartek@example.test", "Zażółć gęślą jaźń", "Treść z polskimi znakami: łódź, żółw."),
		email("celina@example.test", "Third", strings.Repeat("A long line that must survive quoted-printable wrapping. ", 5)),
	}
	ids := enqueueAll(t, db, true, want...)
	enqueueAll(t, db, false, email("rolled-back@example.test", "Never", "This change was rolled back."))

	d := emailDeliverer(db, mailSender(t, srv), clockAfterCommit(), t)
	if n := deliver(t, d); n != 3 {
		t.Fatalf("first DeliverDue sent %d, want 3", n)
	}
	got := srv.WaitFor(t, 3, 5*time.Second)
	if len(got) != 3 {
		t.Fatalf("server got %d messages, want 3", len(got))
	}
	for i, m := range got {
		w := want[i]
		if diff := cmp.Diff([]string{w.Recipient}, m.To); diff != "" {
			t.Errorf("message %d recipients (-want +got):\n%s", i, diff)
		}
		if m.From != "casegate@example.test" {
			t.Errorf("message %d envelope from = %q", i, m.From)
		}
		if m.Subject != w.Subject {
			t.Errorf("message %d subject = %q, want %q", i, m.Subject, w.Subject)
		}
		if strings.TrimRight(m.Body, "\n") != w.Body {
			t.Errorf("message %d body = %q, want %q", i, m.Body, w.Body)
		}
		if wantID := fmt.Sprintf("<outbox-%d@casegate>", ids[i]); m.MessageID != wantID || wantID != "<"+mail.MessageID(ids[i])+">" {
			t.Errorf("message %d Message-ID = %q, want %q", i, m.MessageID, wantID)
		}
		if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
			t.Errorf("message %d Content-Type = %q, want text/plain UTF-8", i, ct)
		}
	}

	if n := deliver(t, d); n != 0 {
		t.Fatalf("second DeliverDue sent %d, want 0", n)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Fatalf("server has %d messages after second run, want 3", n)
	}
	for _, r := range rows(t, db) {
		if r.SentAt == nil || r.Attempts != 1 || r.FailedAt != nil {
			t.Errorf("row %d: sent_at=%v attempts=%d failed_at=%v, want sent after 1 attempt", r.ID, r.SentAt, r.Attempts, r.FailedAt)
		}
		if r.Body == "[redacted]" {
			t.Errorf("row %d: non-secret body was redacted", r.ID)
		}
	}
}

func TestRetriesWhileServerIsDown(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	srv.SetFailing(true)
	enqueueAll(t, db, true,
		email("a@example.test", "A", "a"),
		email("b@example.test", "B", "b"),
		email("c@example.test", "C", "c"))
	clock := clockAfterCommit()
	d := emailDeliverer(db, mailSender(t, srv), clock, t)

	if n := deliver(t, d); n != 0 {
		t.Fatalf("DeliverDue sent %d while server down, want 0", n)
	}
	for _, r := range rows(t, db) {
		if r.Attempts != 1 || r.LastError == nil || *r.LastError == "" || r.SentAt != nil || r.FailedAt != nil {
			t.Fatalf("row %d after failure: attempts=%d last_error=%v sent_at=%v failed_at=%v",
				r.ID, r.Attempts, r.LastError, r.SentAt, r.FailedAt)
		}
		if !r.NextAttemptAt.After(clock.Now()) {
			t.Fatalf("row %d: next_attempt_at %v not after now %v", r.ID, r.NextAttemptAt, clock.Now())
		}
		t.Logf("row %d last_error: %s", r.ID, *r.LastError)
	}

	// Still inside the backoff: nothing is tried, even though the server is back.
	srv.SetFailing(false)
	clock.Advance(outbox.Backoff(1) / 2)
	if n := deliver(t, d); n != 0 {
		t.Fatalf("DeliverDue sent %d inside the backoff, want 0", n)
	}

	clock.Advance(outbox.Backoff(1))
	if n := deliver(t, d); n != 3 {
		t.Fatalf("DeliverDue after backoff sent %d, want 3", n)
	}
	if n := deliver(t, d); n != 0 {
		t.Fatalf("another DeliverDue sent %d, want 0", n)
	}
	if got := srv.WaitFor(t, 3, 5*time.Second); len(got) != 3 {
		t.Fatalf("server got %d messages, want exactly 3", len(got))
	}
	for _, r := range rows(t, db) {
		if r.SentAt == nil || r.Attempts != 2 {
			t.Errorf("row %d: sent_at=%v attempts=%d, want sent on attempt 2", r.ID, r.SentAt, r.Attempts)
		}
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	srv.SetFailing(true)
	enqueueAll(t, db, true, outbox.Message{
		Channel: outbox.Email, Recipient: "x@example.test", Subject: "Reset", Body: "secret link", Secret: true,
	})
	clock := clockAfterCommit()
	d := emailDeliverer(db, mailSender(t, srv), clock, t)
	for i := 1; i <= outbox.MaxAttempts; i++ {
		if n := deliver(t, d); n != 0 {
			t.Fatalf("attempt %d sent %d", i, n)
		}
		r := rows(t, db)[0]
		if r.Attempts != i {
			t.Fatalf("after attempt %d: attempts=%d", i, r.Attempts)
		}
		if i < outbox.MaxAttempts {
			if got, want := r.NextAttemptAt.Sub(clock.Now()), outbox.Backoff(i); got.Round(time.Millisecond) != want {
				t.Fatalf("after attempt %d: backoff %v, want %v", i, got, want)
			}
		}
		clock.Advance(time.Hour + time.Second)
	}
	r := rows(t, db)[0]
	if r.FailedAt == nil || r.SentAt != nil {
		t.Fatalf("after %d attempts: failed_at=%v sent_at=%v, want failed", outbox.MaxAttempts, r.FailedAt, r.SentAt)
	}
	if r.Body != "[redacted]" {
		t.Errorf("secret body kept after giving up: %q", r.Body)
	}
	srv.SetFailing(false)
	if n := deliver(t, d); n != 0 {
		t.Fatalf("failed message sent again: %d", n)
	}
}

func TestSecretBodyRedactedAfterSending(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	const link = "https://casegate.example.test/reset?token=very-secret"
	ids := enqueueAll(t, db, true,
		outbox.Message{Channel: outbox.Email, Recipient: "u@example.test", Subject: "Password reset", Body: "Open " + link, Secret: true},
		email("v@example.test", "Plain", "not secret"))

	var before string
	if err := db.NewSelect().Table("outbox").Column("body").Where("id = ?", ids[0]).Scan(context.Background(), &before); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, link) {
		t.Fatalf("secret body before sending = %q, want the link (it must survive until sent)", before)
	}

	d := emailDeliverer(db, mailSender(t, srv), clockAfterCommit(), t)
	if n := deliver(t, d); n != 2 {
		t.Fatalf("sent %d, want 2", n)
	}
	got := srv.WaitFor(t, 2, 5*time.Second)
	if !strings.Contains(got[0].Body, link) {
		t.Errorf("recipient got %q, want the link", got[0].Body)
	}
	rs := rows(t, db)
	if rs[0].Body != "[redacted]" {
		t.Errorf("secret body after sending = %q, want [redacted]", rs[0].Body)
	}
	if rs[1].Body != "not secret" {
		t.Errorf("plain body after sending = %q, want it kept", rs[1].Body)
	}
}

// slowSender widens the window in which two Deliverers overlap.
type slowSender struct {
	outbox.Sender
	delay time.Duration
}

func (s slowSender) Send(ctx context.Context, m outbox.Delivery) error {
	time.Sleep(s.delay)
	return s.Sender.Send(ctx, m)
}

func TestConcurrentDeliverersSendEachMessageOnce(t *testing.T) {
	// Two replicas: separate connection pools on one database, separate Deliverers and senders.
	url := dbtest.NewURL(t)
	db, db2 := open(t, url), open(t, url)
	srv := smtptest.Start(t)
	const total = 20
	var msgs []outbox.Message
	for i := range total {
		msgs = append(msgs, email(fmt.Sprintf("user%d@example.test", i), fmt.Sprintf("Message %d", i), "body"))
	}
	enqueueAll(t, db, true, msgs...)
	clock := clockAfterCommit()
	replicas := []*outbox.Deliverer{
		emailDeliverer(db, slowSender{mailSender(t, srv), 5 * time.Millisecond}, clock, t),
		emailDeliverer(db2, slowSender{mailSender(t, srv), 5 * time.Millisecond}, clock, t),
	}

	start := make(chan struct{})
	sent := make([]int, len(replicas))
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	for i, d := range replicas {
		wg.Go(func() {
			<-start
			sent[i], errs[i] = d.DeliverDue(context.Background())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	t.Logf("replica sends: %v", sent)
	if sent[0]+sent[1] != total {
		t.Fatalf("replicas sent %v, total %d, want %d", sent, sent[0]+sent[1], total)
	}
	got := srv.WaitFor(t, total, 5*time.Second)
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	if len(got) != total || len(seen) != total {
		t.Fatalf("server got %d messages with %d distinct Message-IDs, want %d of each", len(got), len(seen), total)
	}
	for _, r := range rows(t, db) {
		if r.SentAt == nil || r.Attempts != 1 {
			t.Errorf("row %d: sent_at=%v attempts=%d", r.ID, r.SentAt, r.Attempts)
		}
	}
}

func TestMessageWithoutSenderStaysPending(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	enqueueAll(t, db, true,
		outbox.Message{Channel: outbox.SMS, Recipient: "+48500100200", Body: "code 1234"},
		email("e@example.test", "E", "e"))
	d := emailDeliverer(db, mailSender(t, srv), clockAfterCommit(), t)
	if n := deliver(t, d); n != 1 {
		t.Fatalf("sent %d, want only the e-mail", n)
	}
	sms := rows(t, db)[0]
	if sms.Channel != outbox.SMS || sms.SentAt != nil || sms.FailedAt != nil || sms.Attempts != 0 {
		t.Fatalf("sms row = %+v, want untouched and pending", sms)
	}
}

func TestEnqueueValidates(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := outbox.Enqueue(ctx, db, outbox.Message{Channel: "pigeon", Recipient: "x", Body: "b"}); err == nil {
		t.Error("unknown channel accepted")
	}
	if _, err := outbox.Enqueue(ctx, db, outbox.Message{Channel: outbox.Email, Body: "b"}); err == nil {
		t.Error("empty recipient accepted")
	}
	if _, err := outbox.Enqueue(ctx, db, outbox.Message{Channel: outbox.Email, Recipient: "x@example.test", Body: "b", ConcerningUserID: "not-a-uuid"}); err == nil {
		t.Error("bad concerning user id accepted")
	}
	if _, err := outbox.Enqueue(ctx, db, outbox.Message{Channel: outbox.Email, Recipient: "x@example.test", Body: "b",
		ExpiresAt: time.Date(10000, 1, 3, 23, 59, 59, 0, time.UTC)}); err == nil {
		t.Error("an expiry Go cannot read back accepted")
	}
	id, err := outbox.Enqueue(ctx, db, outbox.Message{Channel: outbox.Email, Recipient: "x@example.test", Body: "b"})
	if err != nil || id == 0 {
		t.Fatalf("Enqueue = %d, %v", id, err)
	}
	if r := rows(t, db)[0]; r.ConcerningUserID != nil || r.NextAttemptAt.IsZero() || r.CreatedAt.IsZero() {
		t.Errorf("row defaults wrong: %+v", r)
	}
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{
		1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 9: 2560 * time.Second,
		10: time.Hour, 15: time.Hour, 100: time.Hour,
	} {
		if got := outbox.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

// A message that carries its own end (an access link valid for days) is retried until then, past
// MaxAttempts, and not sent once its end has come.
func TestRetriesUntilItsOwnEnd(t *testing.T) {
	db := dbtest.New(t)
	srv := smtptest.Start(t)
	srv.SetFailing(true)
	enqueueAll(t, db, true, outbox.Message{Channel: outbox.Email, Recipient: "x@example.test", Subject: "Access",
		Body: "access link", Secret: true, ExpiresAt: time.Now().Add(2 * 24 * time.Hour)})
	clock := clockAfterCommit()
	d := emailDeliverer(db, mailSender(t, srv), clock, t)
	for range outbox.MaxAttempts + 5 {
		deliver(t, d)
		clock.Advance(time.Hour + time.Second)
	}
	if r := rows(t, db)[0]; r.FailedAt != nil || r.Attempts != outbox.MaxAttempts+5 {
		t.Fatalf("after %d attempts within its life: failed_at=%v attempts=%d", outbox.MaxAttempts+5, r.FailedAt, r.Attempts)
	}
	srv.SetFailing(false)
	if n := deliver(t, d); n != 1 {
		t.Fatalf("sent %d once the server is back", n)
	}

	// Past its end a message is not sent, even before the clean-up job gives it up.
	enqueueAll(t, db, true, outbox.Message{Channel: outbox.Email, Recipient: "y@example.test", Subject: "Code",
		Body: "123456", Secret: true, ExpiresAt: clock.Now().Add(10 * time.Minute)})
	clock.Advance(11 * time.Minute)
	if n := deliver(t, d); n != 0 {
		t.Fatalf("an expired code was sent (%d)", n)
	}
}
