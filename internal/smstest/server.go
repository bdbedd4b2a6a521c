// Package smstest runs an smsapi.pl-compatible HTTP API inside the test process, so SMS sending is
// tested over HTTP rather than against a mock. It speaks what casegate uses: POST /sms.do with
// form parameters in the body, one recipient, a bearer token, format=json and check_idx.
package smstest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// Message is one message the server accepted.
type Message struct {
	To   string     // recipient number, as sent
	Text string     // the message parameter
	From string     // sender name; "" when the client sent none
	Idx  string     // the client's idx; "" when it sent none
	Form url.Values // every body parameter as received
}

// Error codes of smsapi that the server answers with.
const (
	CodeNoMessage    = 11  // message empty (or too long)
	CodeBadNumber    = 13  // no valid phone number
	CodeDuplicateIdx = 53  // check_idx=1 and a message with this idx was sent already
	CodeAuthFailed   = 101 // wrong or missing token
)

// Server is a running test SMS API; it is shut down when the test ends.
type Server struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	messages []Message
	changed  chan struct{} // closed and replaced whenever a message arrives
	idx      map[string]bool
	failing  int // requests still to answer with 503
	refusing int // requests still to answer with refusal
	refusal  apiError
}

type apiError struct {
	Code    int    `json:"error"`
	Message string `json:"message"`
}

// Start starts a server on a free port of 127.0.0.1 that accepts requests bearing token.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{token: token, changed: make(chan struct{}), idx: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sms.do", s.send)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base URL, for sms.Config.URL.
func (s *Server) URL() string { return s.srv.URL }

// Fail makes the server answer the next n requests with 503 and a non-JSON body, as a provider
// that is down (or the proxy in front of it) would.
func (s *Server) Fail(n int) {
	s.mu.Lock()
	s.failing = n
	s.mu.Unlock()
}

// Refuse makes the server answer the next n authorised requests with smsapi error code and
// message (status 200, as smsapi does), e.g. 103 for insufficient credits.
func (s *Server) Refuse(n, code int, message string) {
	s.mu.Lock()
	s.refusing, s.refusal = n, apiError{Code: code, Message: message}
	s.mu.Unlock()
}

// Messages returns the messages accepted so far, in order of arrival.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// WaitFor waits until at least n messages have arrived and returns them, failing the test after
// timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, changed := slices.Clone(s.messages), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-deadline.C:
			t.Fatalf("smstest: got %d messages within %v, want %d", len(s.Messages()), timeout, n)
			return nil
		case <-changed:
		}
	}
}
