package smstest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/smstest"
)

type answer struct {
	Status int
	Error  int    `json:"error"`
	Count  int    `json:"count"`
	Msg    string `json:"message"`
}

func post(t *testing.T, srv *smstest.Server, token string, form url.Values) answer {
	t.Helper()
	a, err := send(srv, token, form)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// send posts form to /sms.do; it does not take t, so goroutines can call it.
func send(srv *smstest.Server, token string, form url.Values) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/sms.do", strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode}
	if resp.Header.Get("Content-Type") == "application/json" {
		err = json.NewDecoder(resp.Body).Decode(&a)
	}
	return a, err
}

func TestAPI(t *testing.T) {
	srv := smstest.Start(t, "tok")
	form := url.Values{"to": {"48500600700"}, "message": {"Dzień dobry"}, "idx": {"a1"}, "check_idx": {"1"}}

	if a := post(t, srv, "wrong", form); a.Status != 401 || a.Error != smstest.CodeAuthFailed {
		t.Errorf("wrong token answered %+v", a)
	}
	srv.Fail(1)
	if a := post(t, srv, "tok", form); a.Status != 503 {
		t.Errorf("failing server answered %+v", a)
	}
	if a := post(t, srv, "tok", form); a.Status != 200 || a.Count != 1 {
		t.Errorf("send answered %+v", a)
	}
	if a := post(t, srv, "tok", form); a.Status != 200 || a.Error != smstest.CodeDuplicateIdx {
		t.Errorf("duplicate idx answered %+v", a)
	}
	srv.Refuse(1, 103, "Insufficient credits")
	if a := post(t, srv, "tok", url.Values{"to": {"1"}, "message": {"x"}}); a.Error != 103 || a.Msg != "Insufficient credits" {
		t.Errorf("refusal answered %+v", a)
	}
	if a := post(t, srv, "tok", url.Values{"to": {"+48 500"}, "message": {"x"}}); a.Error != smstest.CodeBadNumber {
		t.Errorf("bad number answered %+v", a)
	}
	msgs := srv.WaitFor(t, 1, time.Second)
	if len(msgs) != 1 || msgs[0].To != "48500600700" || msgs[0].Text != "Dzień dobry" || msgs[0].Idx != "a1" {
		t.Errorf("messages = %+v", msgs)
	}
}

// Concurrent sends with one idx: exactly one is stored.
func TestConcurrentDuplicates(t *testing.T) {
	srv := smstest.Start(t, "tok")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := send(srv, "tok", url.Values{"to": {"48500600700"}, "message": {"x"}, "idx": {"same"}, "check_idx": {"1"}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("stored %d messages, want 1", n)
	}
}
