package outbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/outbox"
)

// cancellingSender accepts the message and then cancels the delivery's context, as gocron does
// when the server shuts down just after the mail server said yes.
type cancellingSender struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	sent   []int64
}

func (s *cancellingSender) Send(_ context.Context, m outbox.Delivery) error {
	s.mu.Lock()
	s.sent = append(s.sent, m.ID)
	s.mu.Unlock()
	s.cancel()
	return nil
}

// A shutdown between the mail server's acceptance and the commit must not make the message go out
// again: the claim and mark transaction outlives the job's context.
func TestShutdownAfterSendingDoesNotResend(t *testing.T) {
	db := dbtest.New(t)
	enqueueAll(t, db, true, email("a@example.test", "A", "a"), email("b@example.test", "B", "b"))
	ctx, cancel := context.WithCancel(context.Background())
	sender := &cancellingSender{cancel: cancel}
	d := emailDeliverer(db, sender, clockAfterCommit(), t)
	sent, err := d.DeliverDue(ctx)
	if sent != 1 {
		t.Fatalf("DeliverDue sent %d (err %v), want 1 before it noticed the shutdown", sent, err)
	}
	if err == nil {
		t.Error("DeliverDue after a shutdown reported no error")
	}
	rs := rows(t, db)
	if rs[0].SentAt == nil || rs[0].Attempts != 1 {
		t.Fatalf("the accepted message is not marked sent: sent_at=%v attempts=%d", rs[0].SentAt, rs[0].Attempts)
	}
	if rs[1].SentAt != nil || rs[1].Attempts != 0 {
		t.Fatalf("the second message was touched after the shutdown: %+v", rs[1])
	}
	// The next run (a restart) sends only the other message.
	sender.cancel = func() {}
	if n := deliver(t, d); n != 1 {
		t.Fatalf("after restart sent %d, want 1", n)
	}
	if len(sender.sent) != 2 || sender.sent[0] == sender.sent[1] {
		t.Fatalf("sends = %v, want each message once", sender.sent)
	}
}

// With no sender for a channel, the pending messages are worth one warning, not one every tick.
func TestUnroutedMessagesWarnOncePerChange(t *testing.T) {
	db := dbtest.New(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	enqueueAll(t, db, true, outbox.Message{Channel: outbox.SMS, Recipient: "+48500100200", Body: "code 1"})
	clock := clockAfterCommit()
	d := outbox.NewDeliverer(db, nil, clock, logger)
	warnings := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(logs.String(), "level=WARN")
	}
	for range 5 {
		deliver(t, d)
	}
	if n := warnings(); n != 1 {
		t.Fatalf("%d warnings after 5 runs with one pending message, want 1:\n%s", n, logs.String())
	}
	enqueueAll(t, db, true, outbox.Message{Channel: outbox.SMS, Recipient: "+48500100201", Body: "code 2"})
	clock.Advance(time.Second)
	for range 3 {
		deliver(t, d)
	}
	if n := warnings(); n != 2 {
		t.Fatalf("%d warnings after the pending count changed, want 2:\n%s", n, logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Secret messages that could not be delivered within the life of what they carry are given up and
// their bodies redacted, so the database does not keep live credentials.
func TestExpireSecrets(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	ids := enqueueAll(t, db, true,
		outbox.Message{Channel: outbox.Email, Recipient: "a@example.test", Subject: "Reset", Body: "secret link", Secret: true},
		outbox.Message{Channel: outbox.Email, Recipient: "b@example.test", Subject: "Plain", Body: "not secret"},
		outbox.Message{Channel: outbox.Email, Recipient: "c@example.test", Subject: "Reset", Body: "sent link", Secret: true})
	if _, err := db.NewUpdate().Model((*outbox.Row)(nil)).Set("sent_at = now()").Where("id = ?", ids[2]).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// Not yet old enough.
	if n, err := outbox.ExpireSecrets(ctx, db, time.Now(), time.Hour); err != nil || n != 0 {
		t.Fatalf("ExpireSecrets of fresh messages = %d, %v", n, err)
	}
	n, err := outbox.ExpireSecrets(ctx, db, time.Now().Add(time.Hour+time.Minute), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("ExpireSecrets = %d, %v; want 1", n, err)
	}
	rs := rows(t, db)
	if rs[0].Body != "[redacted]" || rs[0].FailedAt == nil || rs[0].LastError == nil || *rs[0].LastError != "expired before delivery" {
		t.Errorf("expired secret = %+v", rs[0])
	}
	if rs[1].Body != "not secret" || rs[1].FailedAt != nil {
		t.Errorf("plain message touched: %+v", rs[1])
	}
	if rs[2].Body != "sent link" || rs[2].FailedAt != nil {
		t.Errorf("sent message touched: %+v", rs[2])
	}
}

// A secret message with its own end lives exactly that long, shorter or longer than the default.
func TestExpireSecretsAtTheirOwnEnd(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	enqueueAll(t, db, true,
		outbox.Message{Channel: outbox.SMS, Recipient: "48500600700", Body: "code", Secret: true, ExpiresAt: now.Add(10 * time.Minute)},
		outbox.Message{Channel: outbox.Email, Recipient: "a@example.test", Body: "access link", Secret: true, ExpiresAt: now.Add(72 * time.Hour)})
	if n, err := outbox.ExpireSecrets(ctx, db, now.Add(9*time.Minute), time.Hour); err != nil || n != 0 {
		t.Fatalf("before the code's end: %d, %v", n, err)
	}
	if n, err := outbox.ExpireSecrets(ctx, db, now.Add(11*time.Minute), time.Hour); err != nil || n != 1 {
		t.Fatalf("after the code's end: %d, %v", n, err)
	}
	// The link outlives the default hour: a mail server down for a day loses nothing.
	if n, err := outbox.ExpireSecrets(ctx, db, now.Add(24*time.Hour), time.Hour); err != nil || n != 0 {
		t.Fatalf("a day later: %d, %v", n, err)
	}
	if rs := rows(t, db); rs[0].Body != "[redacted]" || rs[1].Body != "access link" {
		t.Fatalf("rows = %+v", rs)
	}
}
