package outbox_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/mail"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/smtptest"
)

// open is a second pool on the same database, as another replica would have.
func open(t *testing.T, url string) *bun.DB { return dbtest.Open(t, url) }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mailSender(t *testing.T, srv *smtptest.Server) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(mail.Config{Addr: srv.Addr(), From: "casegate@example.test", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func emailDeliverer(db *bun.DB, s outbox.Sender, clock clockwork.Clock, t *testing.T) *outbox.Deliverer {
	return outbox.NewDeliverer(db, map[outbox.Channel]outbox.Sender{outbox.Email: s}, clock, testLogger(t))
}

// clockAfterCommit is a fake clock at the real current time: messages committed before it are due.
func clockAfterCommit() *clockwork.FakeClock { return clockwork.NewFakeClockAt(time.Now()) }

// enqueueAll enqueues msgs in one transaction and commits it (or rolls it back when commit is
// false), returning the ids.
func enqueueAll(t *testing.T, db *bun.DB, commit bool, msgs ...outbox.Message) []int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range msgs {
		id, err := outbox.Enqueue(ctx, tx, m)
		if err != nil {
			_ = tx.Rollback()
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if commit {
		err = tx.Commit()
	} else {
		err = tx.Rollback()
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func rows(t *testing.T, db *bun.DB) []outbox.Row {
	t.Helper()
	var rs []outbox.Row
	if err := db.NewSelect().Model(&rs).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rs
}

func deliver(t *testing.T, d *outbox.Deliverer) int {
	t.Helper()
	n, err := d.DeliverDue(context.Background())
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

func email(to, subject, body string) outbox.Message {
	return outbox.Message{Channel: outbox.Email, Recipient: to, Subject: subject, Body: body}
}
