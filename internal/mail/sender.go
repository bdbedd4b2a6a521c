package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/casegate/casegate/internal/outbox"
)

// timeout bounds connecting and each SMTP exchange, so a hanging server cannot hold an outbox
// row lock (and the delivery job) indefinitely.
const timeout = 30 * time.Second

// Sender is an outbox.Sender for the e-mail channel.
type Sender struct {
	from string
	opts []gomail.Option
	host string
}

var _ outbox.Sender = (*Sender)(nil)

// NewSender checks cfg and returns a Sender for it. It does not connect: a server that is down
// now is the outbox's business (retry), not a startup failure.
func NewSender(cfg Config) (*Sender, error) {
	if !cfg.Configured() {
		return nil, errors.New("mail: address and from are required")
	}
	host, port, err := cfg.hostPort()
	if err != nil {
		return nil, err
	}
	mode, err := cfg.tlsMode()
	if err != nil {
		return nil, err
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	switch mode {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers and refuses to send a
		// password in clear text over an unencrypted connection.
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password))
	}
	s := &Sender{from: cfg.From, opts: opts, host: host}
	if _, err := s.client(); err != nil {
		return nil, err
	}
	if err := gomail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", cfg.From, err)
	}
	return s, nil
}

// client builds a go-mail client per message: go-mail's Client keeps mutable state (auth
// selection) that is not safe to share between concurrent sends, and one connection per message
// is what the outbox does anyway.
func (s *Sender) client() (*gomail.Client, error) {
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: client: %w", err)
	}
	return c, nil
}

// MessageID is the Message-ID (without angle brackets) of outbox message id.
func MessageID(id int64) string { return fmt.Sprintf("outbox-%d@casegate", id) }

// Send delivers one e-mail.
func (s *Sender) Send(ctx context.Context, d outbox.Delivery) error {
	if d.Channel != outbox.Email {
		return fmt.Errorf("mail: cannot send %q messages", d.Channel)
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := m.To(d.Recipient); err != nil {
		return fmt.Errorf("mail: recipient %q: %w", d.Recipient, err)
	}
	m.Subject(d.Subject)
	m.SetMessageIDWithValue(MessageID(d.ID))
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, d.Body)
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: send message %d: %w", d.ID, err)
	}
	return nil
}
