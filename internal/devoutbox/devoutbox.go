// Package devoutbox is the dev outbox: a mail and SMS catcher for a developer's machine. With it
// on (--dev-outbox, or --demo without mail or SMS settings) the outbox delivers e-mail and SMS to
// Sender, which keeps each message in the dev_outbox table instead of handing it to an SMTP
// server or an SMS API; Service lists them for the devOutbox query and the /dev/outbox page.
//
// The outbox's own path is unchanged: messages are written in their change's transaction,
// claimed, "sent" and marked sent (secret bodies redacted in the outbox) as with a real sender.
// Only the copy kept here holds the body, because reading the one-time code or the invitation
// link is what the dev outbox is for. It must never be on in production (docs/operations.md).
package devoutbox

import (
	"context"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/outbox"
)

// Message is a caught message: a row of dev_outbox.
type Message struct {
	bun.BaseModel `bun:"table:dev_outbox"`

	ID        int64          `bun:"id,pk,autoincrement"`
	OutboxID  int64          `bun:"outbox_id,notnull"`
	Channel   outbox.Channel `bun:"channel,notnull"`
	Recipient string         `bun:"recipient,notnull"`
	Subject   string         `bun:"subject,notnull"`
	Body      string         `bun:"body,notnull"`
	CaughtAt  time.Time      `bun:"caught_at,notnull"`
}

// Sender is the outbox's sender for both channels while the dev outbox is on.
type Sender struct {
	DB    *bun.DB
	Clock clockwork.Clock
}

// Send keeps m. The outbox may hand the same message over twice (a crash between Send and marking
// it sent); its outbox id is unique here, so the second time stores nothing, as a real provider
// drops the duplicate by its idempotency key.
func (s Sender) Send(ctx context.Context, m outbox.Delivery) error {
	row := &Message{OutboxID: m.ID, Channel: m.Channel, Recipient: m.Recipient, Subject: m.Subject,
		Body: m.Body, CaughtAt: s.Clock.Now()}
	_, err := s.DB.NewInsert().Model(row).
		Column("outbox_id", "channel", "recipient", "subject", "body", "caught_at").
		On("CONFLICT (outbox_id) DO NOTHING").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("dev outbox: keep message %d: %w", m.ID, err)
	}
	return nil
}

// Service reads the dev outbox.
type Service struct {
	DB *bun.DB
	// On is whether this server runs with the dev outbox; off, List refuses.
	On bool
}

// MaxFirst bounds one List.
const MaxFirst = 100

// List returns the newest caught messages, first of them (1 to MaxFirst), only those
// to recipient when it is not empty. Who may read them: access.ReadDevOutbox.
func (s *Service) List(ctx context.Context, recipient string, first int) ([]Message, error) {
	if err := access.ReadDevOutbox(s.On); err != nil {
		return nil, err
	}
	if first < 1 || first > MaxFirst {
		return nil, apperr.Input("first", fmt.Sprintf("must be between 1 and %d", MaxFirst))
	}
	var out []Message
	q := s.DB.NewSelect().Model(&out).OrderExpr("id DESC").Limit(int64(first))
	if recipient != "" {
		q = q.Where("recipient = ?", recipient)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("dev outbox: list: %w", err)
	}
	return out, nil
}
