package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/mail"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/smtptest"
)

func TestConfig(t *testing.T) {
	if (mail.Config{Addr: "smtp.example.test:587"}).Configured() {
		t.Error("config without From reported configured")
	}
	if !(mail.Config{Addr: "smtp.example.test:587", From: "a@example.test"}).Configured() {
		t.Error("config with Addr and From not configured")
	}
	for _, c := range []mail.Config{
		{},
		{Addr: "smtp.example.test", From: "a@example.test"},
		{Addr: "smtp.example.test:0", From: "a@example.test"},
		{Addr: ":25", From: "a@example.test"},
		{Addr: "smtp.example.test:25", From: "not an address"},
		{Addr: "smtp.example.test:25", From: "a@example.test", TLS: "ssl"},
	} {
		if _, err := mail.NewSender(c); err == nil {
			t.Errorf("NewSender(%+v) accepted", c)
		}
	}
	for _, mode := range []string{"", mail.TLSNone, mail.TLSStartTLS, mail.TLSImplicit} {
		if _, err := mail.NewSender(mail.Config{Addr: "smtp.example.test:25", From: "a@example.test", TLS: mode, Username: "u", Password: "p"}); err != nil {
			t.Errorf("NewSender with TLS %q: %v", mode, err)
		}
	}
}

func TestSendsOnePlainTextMessage(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSender(mail.Config{Addr: srv.Addr(), From: "Casegate <noreply@example.test>", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), outbox.Delivery{
		ID: 42, Channel: outbox.Email, Recipient: "jan@example.test", Subject: "Dzień dobry", Body: "Zażółć gęślą jaźń.\nSecond line.",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if m.From != "noreply@example.test" || len(m.To) != 1 || m.To[0] != "jan@example.test" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if m.MessageID != "<outbox-42@casegate>" {
		t.Errorf("Message-ID = %q", m.MessageID)
	}
	if m.Subject != "Dzień dobry" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if got := strings.TrimRight(m.Body, "\n"); got != "Zażółć gęślą jaźń.\nSecond line." {
		t.Errorf("Body = %q", got)
	}
	if ct := strings.ToLower(m.Header.Get("Content-Type")); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "charset=utf-8") {
		t.Errorf("Content-Type = %q", ct)
	}
	if m.Header.Get("Date") == "" || !strings.Contains(m.Header.Get("From"), "noreply@example.test") {
		t.Errorf("headers: %v", m.Header)
	}
}

// A server without TLS must be refused in the TLS modes rather than used in clear text.
func TestTLSModesDoNotDowngrade(t *testing.T) {
	srv := smtptest.Start(t)
	for _, mode := range []string{mail.TLSStartTLS, mail.TLSImplicit} {
		s, err := mail.NewSender(mail.Config{Addr: srv.Addr(), From: "a@example.test", TLS: mode})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), outbox.Delivery{ID: 1, Channel: outbox.Email, Recipient: "b@example.test", Body: "x"})
		if err == nil {
			t.Errorf("TLS %q: sent over a server without TLS", mode)
		} else {
			t.Logf("TLS %q: %v", mode, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestRefusesOtherChannels(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSender(mail.Config{Addr: srv.Addr(), From: "a@example.test", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), outbox.Delivery{ID: 1, Channel: outbox.SMS, Recipient: "+48500100200", Body: "x"}); err == nil {
		t.Error("SMS sent as e-mail")
	}
}
