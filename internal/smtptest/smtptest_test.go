package smtptest_test

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/smtptest"
)

const base64Message = "From: a@example.test\r\n" +
	"To: b@example.test\r\n" +
	"Subject: =?UTF-8?q?Za=C5=BC=C3=B3=C5=82=C4=87?=\r\n" +
	"Message-ID: <m1@example.test>\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"R8SZxZts\r\n" +
	"xIUgamHFusWE\r\n"

func TestDecodesAndFails(t *testing.T) {
	srv := smtptest.Start(t)
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.test", []string{"b@example.test", "c@example.test"}, []byte(base64Message)); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if m.Subject != "Zażółć" || m.Body != "Gęślą jaźń" || m.MessageID != "<m1@example.test>" {
		t.Errorf("decoded subject %q body %q id %q", m.Subject, m.Body, m.MessageID)
	}
	if m.From != "a@example.test" || len(m.To) != 2 || string(m.Raw) != base64Message {
		t.Errorf("envelope %q -> %v, raw %q", m.From, m.To, m.Raw)
	}

	srv.SetFailing(true)
	err := smtp.SendMail(srv.Addr(), nil, "a@example.test", []string{"b@example.test"}, []byte(base64Message))
	var perr *textproto.Error
	if !errors.As(err, &perr) || perr.Code/100 != 4 {
		t.Fatalf("failing server answered %v, want a 4xx error", err)
	}
	srv.SetFailing(false)
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.test", []string{"b@example.test"}, []byte(base64Message)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.WaitFor(t, 2, 5*time.Second)); n != 2 {
		t.Fatalf("got %d messages, want 2", n)
	}
}
