// Package mail sends outbox e-mail over SMTP with github.com/wneessen/go-mail: one plain-text
// UTF-8 message per connection, with a Message-ID derived from the outbox id so that a message
// re-sent after a crash can be recognised as the same one.
package mail

import (
	"fmt"
	"net"
	"strconv"
)

// TLS modes of Config.TLS.
const (
	TLSNone     = "none"     // plain SMTP, for a relay on localhost or a trusted network only
	TLSStartTLS = "starttls" // STARTTLS is required; a server without it is an error, not a downgrade
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
)

// Config is the SMTP server to send through. Password comes from the environment only:
// a secret is never stored in the database or a settings page.
type Config struct {
	Addr     string // host:port
	From     string
	Username string // SMTP AUTH is used only when set
	Password string
	TLS      string // TLSNone, TLSStartTLS or TLSImplicit; "" means TLSStartTLS
}

// Configured reports whether e-mail can be sent at all; without it e-mail stays in the outbox.
func (c Config) Configured() bool { return c.Addr != "" && c.From != "" }

func (c Config) hostPort() (string, int, error) {
	host, p, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "", 0, fmt.Errorf("mail: address %q: %w", c.Addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("mail: address %q: bad port", c.Addr)
	}
	if host == "" {
		return "", 0, fmt.Errorf("mail: address %q: no host", c.Addr)
	}
	return host, port, nil
}

func (c Config) tlsMode() (string, error) {
	switch c.TLS {
	case "":
		return TLSStartTLS, nil
	case TLSNone, TLSStartTLS, TLSImplicit:
		return c.TLS, nil
	default:
		return "", fmt.Errorf("mail: unknown TLS mode %q (want none, starttls or tls)", c.TLS)
	}
}
