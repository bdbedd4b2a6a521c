// Package outbox is the transactional outbox for notifications (mail and SMS). A message is written
// in the same transaction as the change that caused it, so it exists exactly when the change
// does; a job (Deliverer) sends it later, retrying with backoff, so a mail or SMS gateway that is
// down loses nothing.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/database"
)

// Channel is how a message reaches its recipient.
type Channel string

// The channels the outbox table accepts (its CHECK constraint lists the same).
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Message is a notification to be sent.
type Message struct {
	Channel   Channel
	Recipient string
	Subject   string // e-mail only; SMS ignores it
	Body      string
	// Secret marks bodies that carry credentials (password-reset links, codes): they are redacted
	// once the message is sent or given up on, so the database does not keep them.
	Secret bool
	// ExpiresAt, for a secret message, is when what it carries stops working: still unsent then,
	// it is given up (ExpireSecrets). Zero means ExpireSecrets' default life.
	ExpiresAt time.Time
	// ConcerningUserID is the user the message is about (uuid), or "" when none; it lets the
	// outbox be searched and cleaned per user.
	ConcerningUserID string
}

// Row is the bun model of the outbox table.
type Row struct {
	bun.BaseModel `bun:"table:outbox"`

	ID               int64      `bun:"id,pk,autoincrement"`
	Channel          Channel    `bun:"channel,notnull"`
	Recipient        string     `bun:"recipient,notnull"`
	Subject          string     `bun:"subject,notnull"`
	Body             string     `bun:"body,notnull"`
	Secret           bool       `bun:"secret,notnull"`
	ConcerningUserID *string    `bun:"concerning_user_id,type:uuid"`
	ExpiresAt        *time.Time `bun:"expires_at"`
	Key              string     `bun:"idempotency_key,type:uuid,nullzero,notnull,default:gen_random_uuid()"`
	CreatedAt        time.Time  `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	NextAttemptAt    time.Time  `bun:"next_attempt_at,nullzero,notnull,default:current_timestamp"`
	Attempts         int        `bun:"attempts,notnull"`
	LastError        *string    `bun:"last_error"`
	SentAt           *time.Time `bun:"sent_at"`
	FailedAt         *time.Time `bun:"failed_at"`
}

// Enqueue writes m to the outbox and returns its id. Pass the transaction of the change that
// causes the message: it is then sent if and only if that transaction commits.
func Enqueue(ctx context.Context, db bun.IDB, m Message) (int64, error) {
	if m.Channel != Email && m.Channel != SMS {
		return 0, fmt.Errorf("outbox: unknown channel %q", m.Channel)
	}
	if m.Recipient == "" {
		return 0, errors.New("outbox: message has no recipient")
	}
	if !m.ExpiresAt.IsZero() && !database.ValidTime(m.ExpiresAt) {
		// Callers bound what they pass (a grant's window); this keeps every stored expiry readable.
		return 0, fmt.Errorf("outbox: expiry %s out of range", m.ExpiresAt.Format(time.RFC3339))
	}
	r := &Row{
		Channel:   m.Channel,
		Recipient: m.Recipient,
		Subject:   m.Subject,
		Body:      m.Body,
		Secret:    m.Secret,
	}
	if m.ConcerningUserID != "" {
		r.ConcerningUserID = &m.ConcerningUserID
	}
	if !m.ExpiresAt.IsZero() {
		r.ExpiresAt = &m.ExpiresAt
	}
	// next_attempt_at comes from the database's clock (its default), so a message is due as soon
	// as its transaction commits whatever the clock of the replica that enqueued it says.
	_, err := db.NewInsert().Model(r).
		Column("channel", "recipient", "subject", "body", "secret", "concerning_user_id", "expires_at").
		Returning("id").
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox: enqueue: %w", err)
	}
	return r.ID, nil
}
