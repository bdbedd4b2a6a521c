package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
)

// Status is where a message is in its life.
type Status string

// Message statuses.
const (
	Pending Status = "PENDING" // not sent yet, possibly after failed attempts
	Sent    Status = "SENT"
	Failed  Status = "FAILED" // given up: after its attempts, expired, or unreadable
)

// Entry is a message as administrators see it: everything but the body, which most messages fill
// with one-time codes and links.
type Entry struct {
	bun.BaseModel `bun:"table:outbox"`

	ID        int64      `bun:"id"`
	Channel   Channel    `bun:"channel"`
	Recipient string     `bun:"recipient"`
	Subject   string     `bun:"subject"`
	Secret    bool       `bun:"secret"`
	Attempts  int        `bun:"attempts"`
	LastError *string    `bun:"last_error"`
	CreatedAt time.Time  `bun:"created_at"`
	Due       time.Time  `bun:"next_attempt_at"`
	ExpiresAt *time.Time `bun:"expires_at"`
	SentAt    *time.Time `bun:"sent_at"`
	FailedAt  *time.Time `bun:"failed_at"`
}

// Status is the entry's status.
func (e *Entry) Status() Status {
	switch {
	case e.SentAt != nil:
		return Sent
	case e.FailedAt != nil:
		return Failed
	}
	return Pending
}

// NextAttemptAt is when the message is tried next; nil unless it is pending.
func (e *Entry) NextAttemptAt() *time.Time {
	if e.Status() != Pending {
		return nil
	}
	return &e.Due
}

// selectEntries reads entries with their times clamped: the rows an administrator most needs to
// see are the ones the deliverer could not read.
func selectEntries(q *bun.SelectQuery) *bun.SelectQuery {
	return database.ReadableColumns[Entry](q)
}

// whereStatus restricts q to messages in status st.
func whereStatus(q *bun.SelectQuery, st Status) (*bun.SelectQuery, error) {
	switch st {
	case Pending:
		return q.Where("sent_at IS NULL AND failed_at IS NULL"), nil
	case Sent:
		return q.Where("sent_at IS NOT NULL"), nil
	case Failed:
		return q.Where("sent_at IS NULL AND failed_at IS NOT NULL"), nil
	}
	return nil, apperr.Input("status", "must be PENDING, SENT or FAILED")
}

// Admin lists messages and retries failed ones, for administrators.
type Admin struct {
	DB    *bun.DB
	Clock clockwork.Clock
}

// List lists messages newest first, all of them or those in status. Needs ADMIN.
func (a *Admin) List(ctx context.Context, p *access.Principal, status *Status, page relay.Args) (relay.Page[Entry], error) {
	if err := access.Administer(p).Err(); err != nil {
		return relay.Page[Entry]{}, err
	}
	limit, after, err := page.Int64Cursor()
	if err != nil {
		return relay.Page[Entry]{}, err
	}
	var rows []Entry
	q := relay.NewestFirst(selectEntries(a.DB.NewSelect().Model(&rows)), limit, after)
	if status != nil {
		if q, err = whereStatus(q, *status); err != nil {
			return relay.Page[Entry]{}, err
		}
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Entry]{}, fmt.Errorf("outbox: list messages: %w", err)
	}
	return relay.NewPage(rows, limit, func(e Entry) []any { return []any{e.ID} }), nil
}

// Retry puts a FAILED message back in line, due now, with its attempts counted afresh. Needs
// ADMIN; audited in the same transaction. A message whose secret body was redacted when it was
// given up, or whose own end has passed (an expired code or link), is never sent again: CONFLICT.
func (a *Admin) Retry(ctx context.Context, p *access.Principal, id string) (*Entry, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, apperr.NotFound("outbox message")
	}
	now := a.Clock.Now()
	e := new(Entry)
	err = a.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		err := selectEntries(tx.NewSelect().Model(e)).Where("id = ?", n).For("UPDATE").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("outbox message")
		}
		if err != nil {
			return fmt.Errorf("outbox: load message %d: %w", n, err)
		}
		var redactedBody bool
		if err := tx.NewSelect().Model((*Row)(nil)).ColumnExpr("body = ?", redacted).Where("id = ?", n).Scan(ctx, &redactedBody); err != nil {
			return fmt.Errorf("outbox: load message %d: %w", n, err)
		}
		switch {
		case e.Status() != Failed:
			return fmt.Errorf("%w: only a FAILED message can be retried (this one is %s)", apperr.ErrConflict, e.Status())
		case redactedBody:
			return fmt.Errorf("%w: its content was removed when it was given up; the person has to ask again", apperr.ErrConflict)
		case e.ExpiresAt != nil && !now.Before(*e.ExpiresAt):
			return fmt.Errorf("%w: what it carries expired at %s; it is not sent any more", apperr.ErrConflict, e.ExpiresAt.Format(time.RFC3339))
		}
		if _, err := tx.NewUpdate().Model((*Row)(nil)).
			Set("failed_at = NULL").Set("attempts = 0").Set("next_attempt_at = ?", now).
			Where("id = ?", n).Exec(ctx); err != nil {
			return fmt.Errorf("outbox: retry message %d: %w", n, err)
		}
		e.FailedAt, e.Attempts, e.Due = nil, 0, now
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "outbox.retry", Entity: "outbox_message",
			EntityID: strconv.FormatInt(n, 10), ChangedFields: []string{"failedAt", "attempts", "nextAttemptAt"}})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
