package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"
)

// Delivery is one outbox message handed to a Sender. ID is stable across retries, so senders can
// derive an idempotency key from it (e-mail: Message-ID <outbox-ID@casegate>) and a receiver can
// drop the duplicate that a crash between sending and committing could cause.
type Delivery struct {
	ID        int64
	Key       string // a random uuid per message, stable across retries: an idempotency key for providers
	Channel   Channel
	Recipient string
	Subject   string
	Body      string
}

// Sender sends a message over one channel. An error means it was not accepted and will be retried.
type Sender interface {
	Send(ctx context.Context, m Delivery) error
}

// redacted replaces the body of secret messages once they no longer need it.
const redacted = "[redacted]"

// sendTimeout bounds one Send (the mail sender has its own, shorter per-exchange timeouts); a send
// that takes longer counts as a failed attempt.
const sendTimeout = 2 * time.Minute

// txTimeout bounds the claim-send-mark transaction. It runs detached from the job's context (see
// deliverOne), so this is what ends it if the database stops answering.
const txTimeout = sendTimeout + time.Minute

// defaultBatch bounds one DeliverDue call, so one job run cannot hold the scheduler forever when a
// large backlog builds up; the next tick continues.
const defaultBatch = 100

// Deliverer sends due outbox messages. Several Deliverers (one per replica) may run on the same
// database at once: each message is claimed with a row lock, so only one of them sends it.
type Deliverer struct {
	db      *bun.DB
	senders map[Channel]Sender
	clock   clockwork.Clock
	logger  *slog.Logger
	batch   int

	mu       sync.Mutex
	unrouted map[Channel]int // pending counts last warned about, per channel without a sender
}

// NewDeliverer returns a Deliverer sending through senders; channels without a sender are left
// pending until one is configured. A nil clock means the real clock, a nil logger discards.
func NewDeliverer(db *bun.DB, senders map[Channel]Sender, clock clockwork.Clock, logger *slog.Logger) *Deliverer {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	own := make(map[Channel]Sender, len(senders))
	for ch, s := range senders {
		if s != nil {
			own[ch] = s
		}
	}
	return &Deliverer{db: db, senders: own, clock: clock, logger: logger, batch: defaultBatch, unrouted: map[Channel]int{}}
}

// DeliverDue sends the messages that are due now, up to a batch limit, and returns how many were
// sent. A failed send is not an error of DeliverDue (it is recorded on the message and retried
// later); errors are database errors or ctx ending. When ctx ends, the message being sent is
// finished (marked sent if the sender accepted it) and no other is started.
func (d *Deliverer) DeliverDue(ctx context.Context) (sent int, err error) {
	now := d.clock.Now()
	channels := slices.Sorted(maps.Keys(d.senders))
	d.warnUnrouted(ctx, now, channels)
	if len(channels) == 0 {
		return 0, nil
	}
	for range d.batch {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		found, ok, err := d.deliverOne(ctx, now, channels)
		if err != nil {
			return sent, err
		}
		if !found {
			break
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// dueQuery restricts q to messages that should be attempted at now.
func dueQuery(q *bun.SelectQuery, now time.Time) *bun.SelectQuery {
	// A secret whose end has come is not sent (ExpireSecrets gives it up): a code delivered after it
	// expired would only mislead.
	return q.Where("sent_at IS NULL").
		Where("failed_at IS NULL").
		Where("next_attempt_at <= ?", now).
		Where("(expires_at IS NULL OR expires_at > ?)", now)
}

// deliverOne claims the oldest due message, sends it and records the outcome, all in one
// transaction: the row lock keeps other replicas off it while it is being sent (SKIP LOCKED lets
// them take the next one instead of waiting), and sent_at commits only after the sender accepted
// it. found is false when nothing is due; ok reports a successful send.
//
// The claim reads only the id, so a row nothing else can read is still claimed; whatever goes
// wrong with that one message after it (reading it, a sender that panics) is that message's
// failure, recorded on it, and the run goes on with the next one. Only the database failing (or
// ctx ending) stops the run.
//
// Only Send sees ctx. The transaction runs on a context detached from it (with its own timeout):
// gocron cancels the job's context at shutdown, and if that landed between the sender's acceptance
// and the commit, marking the message sent would fail and it would go out again after the restart.
func (d *Deliverer) deliverOne(ctx context.Context, now time.Time, channels []Channel) (found, ok bool, err error) {
	txCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txTimeout)
	defer cancel()
	var id int64
	var unreadable error
	err = d.db.RunInTx(txCtx, nil, func(txCtx context.Context, tx bun.Tx) error {
		err := dueQuery(tx.NewSelect().Model((*Row)(nil)).Column("id"), now).
			Where("channel IN (?)", bun.List(channels)).
			OrderExpr("next_attempt_at, id").
			Limit(1).
			For("UPDATE SKIP LOCKED").
			Scan(txCtx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("outbox: claim message: %w", err)
		}
		found = true
		var r Row
		if err := tx.NewSelect().Model(&r).Where("id = ?", id).Scan(txCtx); err != nil {
			// Roll back (a failed statement may have ended the transaction) and fail it below.
			unreadable = err
			return err
		}
		sendErr := d.send(ctx, &r)
		if sendErr != nil && ctx.Err() != nil {
			// Shutting down is not the recipient's fault: leave the attempt uncounted.
			return ctx.Err()
		}
		if sendErr == nil {
			ok = true
			return d.markSent(txCtx, tx, &r)
		}
		return d.markFailed(txCtx, tx, &r, sendErr)
	})
	if unreadable != nil && txCtx.Err() == nil {
		return found, false, d.markUnreadable(txCtx, id, unreadable)
	}
	return found, ok, err
}

// send hands r to its channel's sender. A panicking sender fails this message, not the job.
func (d *Deliverer) send(ctx context.Context, r *Row) (err error) {
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sender panicked: %v", p)
		}
	}()
	return d.senders[r.Channel].Send(sendCtx, Delivery{
		ID: r.ID, Key: r.Key, Channel: r.Channel, Recipient: r.Recipient, Subject: r.Subject, Body: r.Body,
	})
}

// markUnreadable gives up at once a message whose row cannot be read: nothing about it can be
// trusted, not even its expiry, so it is not retried; a secret body is redacted like that of any
// message given up. An administrator sees the reason (outboxMessages) and may retry a message
// that is not secret once its row is repaired. It runs in a transaction of its own and touches the row only if it is still
// pending, so a replica that did the same first is no harm.
func (d *Deliverer) markUnreadable(ctx context.Context, id int64, readErr error) error {
	reason := "cannot read the message: " + readErr.Error()
	_, err := d.db.NewUpdate().Model((*Row)(nil)).
		Set("failed_at = ?", d.clock.Now()).
		Set("attempts = attempts + 1").
		Set("last_error = ?", storable(reason)).
		Set("body = CASE WHEN secret THEN ? ELSE body END", redacted).
		Where("id = ?", id).
		Where("sent_at IS NULL AND failed_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox: give up unreadable message %d: %w", id, err)
	}
	d.logger.ErrorContext(ctx, "outbox message given up: cannot read it", "id", id, "error", readErr)
	return nil
}

func (d *Deliverer) markSent(ctx context.Context, tx bun.Tx, r *Row) error {
	q := tx.NewUpdate().Model((*Row)(nil)).
		Set("sent_at = ?", d.clock.Now()).
		Set("attempts = attempts + 1").
		Where("id = ?", r.ID)
	if r.Secret {
		q = q.Set("body = ?", redacted)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("outbox: mark message %d sent: %w", r.ID, err)
	}
	d.logger.InfoContext(ctx, "outbox message sent", "id", r.ID, "channel", r.Channel, "attempt", r.Attempts+1)
	return nil
}

func (d *Deliverer) markFailed(ctx context.Context, tx bun.Tx, r *Row, sendErr error) error {
	now := d.clock.Now()
	attempts := r.Attempts + 1
	msg := storable(sendErr.Error())
	q := tx.NewUpdate().Model((*Row)(nil)).
		Set("attempts = ?", attempts).
		Set("last_error = ?", msg).
		Where("id = ?", r.ID)
	// A message that carries its own end (an access link) is retried until then, however many
	// attempts that takes; others stop after MaxAttempts.
	if attempts >= MaxAttempts && (r.ExpiresAt == nil || !now.Before(*r.ExpiresAt)) {
		q = q.Set("failed_at = ?", now)
		if r.Secret {
			q = q.Set("body = ?", redacted)
		}
		d.logger.ErrorContext(ctx, "outbox message given up", "id", r.ID, "channel", r.Channel,
			"attempts", attempts, "error", sendErr)
	} else {
		next := now.Add(Backoff(attempts))
		q = q.Set("next_attempt_at = ?", next)
		d.logger.WarnContext(ctx, "outbox message not sent, will retry", "id", r.ID, "channel", r.Channel,
			"attempts", attempts, "next_attempt_at", next, "error", sendErr)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("outbox: record failed attempt of message %d: %w", r.ID, err)
	}
	return nil
}

// warnUnrouted logs due messages on channels that have no sender, because nothing else would make
// them visible: they wait, unharmed, until a sender for their channel is configured. It warns when
// a channel's pending count changes (and says nothing more while it stays the same), so a server
// without SMS does not repeat the same warning every few seconds for ever.
func (d *Deliverer) warnUnrouted(ctx context.Context, now time.Time, channels []Channel) {
	var counts []struct {
		Channel Channel `bun:"channel"`
		N       int     `bun:"n"`
	}
	q := dueQuery(d.db.NewSelect().Model((*Row)(nil)), now).
		ColumnExpr("channel, count(*) AS n").
		Group("channel")
	if len(channels) > 0 {
		q = q.Where("channel NOT IN (?)", bun.List(channels))
	}
	if err := q.Scan(ctx, &counts); err != nil {
		if ctx.Err() == nil {
			d.logger.WarnContext(ctx, "outbox: count unroutable messages", "error", err)
		}
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[Channel]bool{}
	for _, c := range counts {
		seen[c.Channel] = true
		level := slog.LevelWarn
		if d.unrouted[c.Channel] == c.N {
			level = slog.LevelDebug
		}
		d.unrouted[c.Channel] = c.N
		d.logger.Log(ctx, level, "outbox messages pending: no sender configured for channel", "channel", c.Channel, "count", c.N)
	}
	for ch := range d.unrouted {
		if !seen[ch] {
			delete(d.unrouted, ch) // none pending any more: the next one is news again
		}
	}
}

// storable makes an error's text fit last_error: whatever a remote server answered, PostgreSQL
// must accept it (no NUL, valid UTF-8), or recording the failure would fail the whole run.
func storable(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	return truncate(s, 2000)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so PostgreSQL gets valid UTF-8.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
