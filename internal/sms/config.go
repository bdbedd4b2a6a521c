// Package sms sends outbox SMS through an smsapi.pl-compatible HTTP API: one POST to /sms.do per
// message, with an idx from the outbox message's idempotency key and check_idx=1, so that a message re-sent after
// a crash is refused by the provider instead of reaching the phone twice.
package sms

import (
	"fmt"
	"net/url"
)

// Config is the SMS API to send through. Token comes from the environment only: a
// secret is never stored in the database or a settings page.
type Config struct {
	URL   string // base URL of the API, e.g. https://api.smsapi.pl
	Token string // OAuth bearer token
	From  string // sender name; "" means the account's default
}

// Configured reports whether SMS can be sent at all; without it SMS stays in the outbox.
func (c Config) Configured() bool { return c.URL != "" && c.Token != "" }

// endpoint is the URL messages are posted to; a base URL with or without a trailing slash gives
// the same result.
func (c Config) endpoint() (string, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "", fmt.Errorf("sms: URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("sms: URL %q: want an absolute http or https URL", u.Redacted())
	}
	return u.JoinPath("sms.do").String(), nil
}
