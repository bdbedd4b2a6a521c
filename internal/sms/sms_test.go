package sms_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/sms"
	"github.com/casegate/casegate/internal/smstest"
)

const (
	token = "tok-3c1f9a7e-secret"
	code  = "Kod logowania: 481516"
)

func newSender(t *testing.T, cfg sms.Config) *sms.Sender {
	t.Helper()
	s, err := sms.NewSender(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func delivery(id int64, to string) outbox.Delivery {
	return outbox.Delivery{ID: id, Channel: outbox.SMS, Recipient: to, Body: code}
}

// noSecrets fails the test when err is nil or shows the token or the message body.
func noSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	if msg := err.Error(); strings.Contains(msg, token) || strings.Contains(msg, "481516") {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestConfig(t *testing.T) {
	if (sms.Config{URL: "https://api.smsapi.pl"}).Configured() {
		t.Error("config without token reported configured")
	}
	if !(sms.Config{URL: "https://api.smsapi.pl", Token: "t"}).Configured() {
		t.Error("config with URL and token not configured")
	}
	for _, url := range []string{"", "api.smsapi.pl", "/sms", "ftp://api.smsapi.pl", "https://", "http://[::1"} {
		if _, err := sms.NewSender(sms.Config{URL: url, Token: "t"}, nil); err == nil {
			t.Errorf("NewSender with URL %q accepted", url)
		}
	}
	if _, err := sms.NewSender(sms.Config{URL: "https://api.smsapi.pl"}, nil); err == nil {
		t.Error("NewSender without token accepted")
	}
}

func TestSendsOneMessage(t *testing.T) {
	srv := smstest.Start(t, token)
	// With and without a trailing slash the endpoint is {URL}/sms.do.
	for i, base := range []string{srv.URL(), srv.URL() + "/"} {
		s := newSender(t, sms.Config{URL: base, Token: token, From: "Casegate"})
		if err := s.Send(context.Background(), delivery(int64(42+i), "+48500600700")); err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	m := msgs[0]
	if m.To != "48500600700" || m.Text != code || m.From != "Casegate" || m.Idx != "casegate-42" {
		t.Errorf("message = to %q text %q from %q idx %q", m.To, m.Text, m.From, m.Idx)
	}
	for k, want := range map[string]string{"format": "json", "encoding": "utf-8", "check_idx": "1"} {
		if got := m.Form.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if msgs[1].Idx != sms.Idx(outbox.Delivery{ID: 43}) {
		t.Errorf("second idx = %q", msgs[1].Idx)
	}

	// Without From, no from parameter: the account's default sender name applies.
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	if err := s.Send(context.Background(), delivery(44, "48500600700")); err != nil {
		t.Fatal(err)
	}
	if f := srv.Messages()[2].Form; f.Has("from") {
		t.Errorf("from sent without a configured sender name: %q", f.Get("from"))
	}
}

func TestNormalisesPhoneNumbers(t *testing.T) {
	srv := smstest.Start(t, token)
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	for i, c := range []struct{ in, want string }{
		{"+48 500 600 700", "48500600700"},
		{"48-500-600-700", "48500600700"},
		{" +48 500-600-700 ", "48500600700"},
		{"500600700", "500600700"},
	} {
		if err := s.Send(context.Background(), delivery(int64(i+1), c.in)); err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := srv.Messages()[i].To; got != c.want {
			t.Errorf("%q sent as %q, want %q", c.in, got, c.want)
		}
	}
	for i, bad := range []string{"", "+", "jan@example.test", "+48 (500) 600 700", "++48500600700"} {
		if err := s.Send(context.Background(), delivery(int64(100+i), bad)); err == nil {
			t.Errorf("recipient %q accepted", bad)
		}
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("server got %d messages, want 4 (bad numbers must not be sent)", n)
	}
}

func TestProviderDownThenRetry(t *testing.T) {
	srv := smstest.Start(t, token)
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	srv.Fail(1)
	err := s.Send(context.Background(), delivery(7, "48500600700"))
	noSecrets(t, err)
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error does not give the status: %v", err)
	}
	if err := s.Send(context.Background(), delivery(7, "48500600700")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server got %d messages, want 1", n)
	}
}

// A crash between the provider's acceptance and the outbox's commit makes the outbox send the same
// message again; the provider refuses it by idx, and that refusal means "sent".
func TestDuplicateIdxCountsAsSent(t *testing.T) {
	srv := smstest.Start(t, token)
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	for range 2 {
		if err := s.Send(context.Background(), delivery(9, "48500600700")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server got %d messages, want 1", n)
	}
}

func TestWrongToken(t *testing.T) {
	srv := smstest.Start(t, "the-right-token")
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	err := s.Send(context.Background(), delivery(1, "48500600700"))
	noSecrets(t, err)
	if msg := err.Error(); !strings.Contains(msg, "401") || !strings.Contains(msg, "101") {
		t.Errorf("error does not give status and code: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestProviderError(t *testing.T) {
	srv := smstest.Start(t, token)
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	srv.Refuse(1, 103, "Insufficient credits on Your account")
	err := s.Send(context.Background(), delivery(1, "48500600700"))
	noSecrets(t, err)
	if msg := err.Error(); !strings.Contains(msg, "103") || !strings.Contains(msg, "Insufficient credits") {
		t.Errorf("error does not give code and message: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

// Answers no smstest gives: a real provider, or something in front of it, may.
func TestOddAnswers(t *testing.T) {
	for name, c := range map[string]struct {
		status int
		body   string
	}{
		"html":              {200, "<html>maintenance</html>"},
		"no list":           {200, `{"count":0,"list":[]}`},
		"too large":         {200, `{"count":1,"list":[{"id":"1"}],"pad":"` + strings.Repeat("x", 70<<10) + `"}`},
		"echoes the secret": {400, `{"error":8,"message":"bad request: token=` + token + ` message=` + code + `"}`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			t.Cleanup(srv.Close)
			s := newSender(t, sms.Config{URL: srv.URL, Token: token})
			err := s.Send(context.Background(), delivery(1, "48500600700"))
			noSecrets(t, err)
			t.Log(err)
		})
	}
}

func TestRefusesOtherChannels(t *testing.T) {
	srv := smstest.Start(t, token)
	s := newSender(t, sms.Config{URL: srv.URL(), Token: token})
	if err := s.Send(context.Background(), outbox.Delivery{ID: 1, Channel: outbox.Email, Recipient: "48500600700", Body: "x"}); err == nil {
		t.Error("e-mail sent as SMS")
	}
}
