package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/outbox"
)

const (
	// timeout bounds one request when the caller brings no client, so a hanging API cannot hold
	// an outbox row lock (and the delivery job) indefinitely.
	timeout = 30 * time.Second
	// maxResponse bounds how much of an answer is read; a real one is a few hundred bytes.
	maxResponse = 64 << 10
	// maxProviderMessage bounds the provider's error text copied into our error (and so into the
	// outbox row's last_error).
	maxProviderMessage = 200
	// codeDuplicateIdx is smsapi's "Not unique idx parameter, message with the same idx has been
	// already sent and &check_idx=1": the message was accepted on an earlier attempt.
	codeDuplicateIdx = 53
)

// Sender is an outbox.Sender for the SMS channel.
type Sender struct {
	endpoint string
	token    string
	from     string
	client   *http.Client
}

var _ outbox.Sender = (*Sender)(nil)

// NewSender checks cfg and returns a Sender for it; a nil client means one with a 30-second
// timeout. It does not contact the API: a provider that is down now is the outbox's business
// (retry), not a startup failure.
func NewSender(cfg Config, client *http.Client) (*Sender, error) {
	if !cfg.Configured() {
		return nil, errors.New("sms: URL and token are required")
	}
	endpoint, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	return &Sender{endpoint: endpoint, token: cfg.Token, from: cfg.From, client: client}, nil
}

// Idx is the idx (smsapi's client-side message id) of an outbox message: its random idempotency
// key (32 hex digits), or "casegate-<id>" for a delivery without one. It is stable across retries;
// with check_idx=1 smsapi refuses a second message with the same idx for 24 hours. A random key,
// not the id, so that ids used again (a database restored from a backup, another installation on
// the same smsapi account) never make a new code look like one already sent.
func Idx(d outbox.Delivery) string {
	if d.Key != "" {
		return strings.ReplaceAll(d.Key, "-", "")
	}
	return "casegate-" + strconv.FormatInt(d.ID, 10)
}

// Send delivers one SMS. Errors never contain the token or the message body: bodies carry one-time
// codes, and errors end up in logs and in the outbox table.
func (s *Sender) Send(ctx context.Context, d outbox.Delivery) error {
	if d.Channel != outbox.SMS {
		return fmt.Errorf("sms: cannot send %q messages", d.Channel)
	}
	to, err := normalize(d.Recipient)
	if err != nil {
		return fmt.Errorf("sms: message %d: %w", d.ID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(s.form(to, d).Encode()))
	if err != nil {
		return fmt.Errorf("sms: message %d: %w", d.ID, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms: message %d: %w", d.ID, err)
	}
	defer resp.Body.Close()
	if err := s.check(resp, d.Body); err != nil {
		return fmt.Errorf("sms: message %d: %w", d.ID, err)
	}
	return nil
}

// form holds the parameters in the request body, never the URL, where proxies would log them.
func (s *Sender) form(to string, d outbox.Delivery) url.Values {
	v := url.Values{
		"to":        {to},
		"message":   {d.Body},
		"format":    {"json"},
		"encoding":  {"utf-8"},
		"idx":       {Idx(d)},
		"check_idx": {"1"},
	}
	if s.from != "" {
		v.Set("from", s.from)
	}
	return v
}

// normalize turns a phone number as people write it (+48 500-600-700) into the digits smsapi wants.
func normalize(recipient string) (string, error) {
	n := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(recipient))
	n = strings.TrimPrefix(n, "+")
	if n == "" || strings.ContainsFunc(n, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", fmt.Errorf("recipient %q is not a phone number", recipient)
	}
	return n, nil
}
