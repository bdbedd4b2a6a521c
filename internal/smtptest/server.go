// Package smtptest runs a real SMTP server inside the test process (github.com/emersion/go-smtp),
// so mail sending is tested over the wire rather than against a mock. It has no TLS and no AUTH:
// clients must use plain SMTP (mail.Config{TLS: "none"}).
package smtptest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is a running test SMTP server; it is shut down when the test ends.
type Server struct {
	srv      *smtp.Server
	listener *trackingListener
	served   chan struct{}

	mu       sync.Mutex
	messages []Message
	failing  bool
}

// Start starts a server on a free port of 127.0.0.1.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{listener: &trackingListener{Listener: l, conns: map[net.Conn]struct{}{}}, served: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	}))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = testLogger{t}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(s.listener)
	}()
	t.Cleanup(s.shutdown)
	return s
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// SetFailing makes the server refuse every message with a transient error (451) while on, as a
// server under maintenance would.
func (s *Server) SetFailing(failing bool) {
	s.mu.Lock()
	s.failing = failing
	s.mu.Unlock()
}

func (s *Server) isFailing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failing
}

// Messages returns the messages accepted so far, in order of arrival.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until at least n messages have arrived and returns them, failing the test after
// timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-deadline.C:
			t.Fatalf("smtptest: got %d messages within %v, want %d", len(s.Messages()), timeout, n)
			return nil
		case <-tick.C:
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
}

// shutdown lets open sessions finish, then cuts off the ones that do not within a grace period,
// and waits for every server goroutine so none outlives the test.
func (s *Server) shutdown() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Shutdown(context.Background())
	}()
	// go-smtp closes only the listeners Serve has registered, and Serve may not have got that far.
	_ = s.listener.Close()
	select {
	case <-done:
	case <-time.After(time.Second):
		s.listener.closeConns()
		<-done
	}
	<-s.served
}

type session struct {
	server *Server
	from   string
	to     []string
}

// tempFailure is what a server under maintenance answers; clients are expected to retry.
var tempFailure = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 2},
	Message:      "smtptest: service temporarily unavailable",
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.isFailing() {
		return tempFailure
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.server.isFailing() {
		return tempFailure
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.server.isFailing() {
		return tempFailure
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "smtptest: " + err.Error()}
	}
	m.From = s.from
	m.To = append([]string(nil), s.to...)
	s.server.add(m)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// trackingListener remembers accepted connections so shutdown can close the ones a client left
// hanging; go-smtp's graceful Shutdown would otherwise wait for them forever.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	return c, nil
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		_ = c.Close()
	}
}

type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.logf(format, v...) }
func (l testLogger) Println(v ...any)               { l.logf("%v", v) }

func (l testLogger) logf(format string, v ...any) {
	defer func() {
		// Logging after the test has finished panics; a late server log line is not worth that.
		_ = recover()
	}()
	l.t.Logf("smtptest: "+format, v...)
}
