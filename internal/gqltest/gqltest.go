// Package gqltest runs a whole casegate server for end-to-end tests: a fresh migrated database, an
// SMTP server in the test process, the real HTTP handler on a loopback port, and a small GraphQL
// client. Nothing in it is mocked.
package gqltest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/server"
	"github.com/casegate/casegate/internal/smstest"
	"github.com/casegate/casegate/internal/smtptest"
)

// Admin credentials of every test server.
const (
	AdminEmail    = "admin@casegate.test"
	AdminPassword = "admin-password-1"
)

// SMSToken is the SMS API token of every test server.
const SMSToken = "sms-token-for-tests"

// Server is a running casegate with its database, mail server and SMS API.
type Server struct {
	URL   string
	App   *app.App
	DB    *bun.DB
	SMTP  *smtptest.Server
	SMS   *smstest.Server
	Clock *clockwork.FakeClock
	t     testing.TB

	logs    *logBuffer
	queries atomic.Int64
	sqlMu   sync.Mutex
	sql     []string // the statements run, when recording (RecordSQL)
	record  atomic.Bool

	// What a replica needs to start the same casegate on the same database.
	dbURL    string
	cfg      config.Config
	opts     app.Options
	http     *httptest.Server
	stopOnce sync.Once
}

// logBuffer collects everything the server logs (at debug level and above), so tests can check
// what reached the log and, above all, what did not.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Logs returns everything the server has logged so far, debug level included.
func (s *Server) Logs() string { return s.logs.String() }

// queryCounter is a bun query hook counting the queries the server's pool runs (and keeping their
// text while RecordSQL records).
type queryCounter struct{ s *Server }

func (q queryCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	q.s.queries.Add(1)
	if q.s.record.Load() {
		q.s.sqlMu.Lock()
		q.s.sql = append(q.s.sql, e.Query)
		q.s.sqlMu.Unlock()
	}
	return ctx
}

func (queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// Queries returns how many SQL statements the server has run so far (background jobs do not run
// in tests unless started).
func (s *Server) Queries() int64 { return s.queries.Load() }

// RecordSQL starts recording the text of the statements the server runs and returns a function
// that stops recording and returns them, in order: to show what a round-trip count consists of.
func (s *Server) RecordSQL() func() []string {
	s.sqlMu.Lock()
	s.sql = nil
	s.sqlMu.Unlock()
	s.record.Store(true)
	return func() []string {
		s.record.Store(false)
		s.sqlMu.Lock()
		defer s.sqlMu.Unlock()
		return s.sql
	}
}

// Start starts a server (with an SMTP server and an SMS API in the test process). The clock is fake (starting now) so tests can move time; change cfg with
// configure before the app is built.
func Start(t testing.TB, configure ...func(*config.Config)) *Server {
	t.Helper()
	return StartWith(t, app.Options{}, configure...)
}

// StartWith is Start with app options (JobInterval, say); the clock and password parameters are
// always the test's own.
func StartWith(t testing.TB, o app.Options, configure ...func(*config.Config)) *Server {
	t.Helper()
	url := dbtest.NewURL(t)
	smtp := smtptest.Start(t)
	smsAPI := smstest.Start(t, SMSToken)
	cfg := config.Defaults()
	cfg.AdminEmail, cfg.AdminPassword = AdminEmail, AdminPassword
	cfg.SMTPAddr, cfg.SMTPFrom, cfg.SMTPTLS = smtp.Addr(), "casegate@casegate.test", "none"
	cfg.SMSURL, cfg.SMSToken = smsAPI.URL(), SMSToken
	cfg.PublicURL = "https://casegate.test"
	for _, c := range configure {
		c(&cfg)
	}
	fast := password.Params{Memory: 1024, Time: 1, Threads: 1}
	o.Clock, o.Password = clockwork.NewFakeClockAt(time.Now()), &fast
	s := &Server{SMTP: smtp, SMS: smsAPI, t: t, dbURL: url, cfg: cfg, opts: o}
	s.start()
	return s
}

// Replica starts another casegate on s's database, as a second replica behind a load balancer
// would run: its own connection pool, app (with its own scheduler) and HTTP server, the same
// configuration. It shares s's fake clock (the replicas' clocks agree, as NTP keeps real ones)
// and its SMTP and SMS peers.
func (s *Server) Replica() *Server {
	s.t.Helper()
	r := &Server{SMTP: s.SMTP, SMS: s.SMS, t: s.t, dbURL: s.dbURL, cfg: s.cfg, opts: s.opts}
	r.start()
	return r
}

func (s *Server) start() {
	t := s.t
	t.Helper()
	s.DB = dbtest.Open(t, s.dbURL)
	s.Clock = s.opts.Clock.(*clockwork.FakeClock)
	s.logs = &logBuffer{}
	s.DB.AddQueryHook(queryCounter{s})
	logger := slog.New(server.LogHandler(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	a, err := app.New(context.Background(), s.cfg, s.DB, logger, s.opts)
	if err != nil {
		t.Fatalf("gqltest: start app: %v", err)
	}
	hs := httptest.NewServer(a.Handler)
	s.URL, s.App, s.http = hs.URL, a, hs
	// The HTTP server first, then the app: before the pool, which dbtest.Open closes.
	t.Cleanup(func() { s.stopOnce.Do(func() { hs.Close(); _ = a.Close() }) })
}

// Stop shuts this server down as a rolling restart does: the HTTP server stops (waiting for the
// requests under way), then the app (its jobs), then its connection pool. The database stays.
func (s *Server) Stop() {
	s.t.Helper()
	s.stopOnce.Do(func() {
		s.http.Close()
		if err := s.App.Close(); err != nil {
			s.t.Errorf("gqltest: close app: %v", err)
		}
		if err := s.DB.Close(); err != nil {
			s.t.Errorf("gqltest: close pool: %v", err)
		}
	})
}

// DatabaseURL is the URL of the server's database (for a pool of the test's own).
func (s *Server) DatabaseURL() string { return s.dbURL }

// Client sends GraphQL requests, with a bearer token once logged in.
type Client struct {
	s     *Server
	Token string
	// Header is added to every request (X-Forwarded-For, as a reverse proxy would send it).
	Header http.Header
}

// Anonymous returns a client without a token.
func (s *Server) Anonymous() *Client { return &Client{s: s} }

// WithToken returns a client that sends token as its bearer token.
func (s *Server) WithToken(token string) *Client { return &Client{s: s, Token: token} }

// Login logs in and returns a client with the session's token; the test fails if login fails.
func (s *Server) Login(email, pw string) *Client {
	s.t.Helper()
	r := s.Anonymous().Do(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": pw})
	r.MustOK(s.t)
	var out struct{ Login struct{ Token string } }
	r.Decode(s.t, &out)
	return &Client{s: s, Token: out.Login.Token}
}

// Admin logs in as the test administrator.
func (s *Server) Admin() *Client { return s.Login(AdminEmail, AdminPassword) }

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a GraphQL response with its HTTP status.
type Response struct {
	Status     int
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
	Header     http.Header     `json:"-"`
	// Raw is the body exactly as the server sent it.
	Raw []byte `json:"-"`
}

// Do posts a query with variables.
func (c *Client) Do(query string, vars map[string]any) *Response {
	c.s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.Post(body)
}

// Post posts a raw request body.
func (c *Client) Post(body []byte) *Response {
	c.s.t.Helper()
	return c.Send(http.MethodPost, "/graphql", "application/json", body)
}

// Send sends any request to path (with the client's token) and decodes the GraphQL response.
func (c *Client) Send(method, path, contentType string, body []byte) *Response {
	c.s.t.Helper()
	req, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(body))
	if err != nil {
		c.s.t.Fatalf("gqltest: request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.s.t.Fatalf("gqltest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		c.s.t.Fatalf("gqltest: response is not JSON (%d): %s", res.StatusCode, raw)
	}
	return out
}

// MustOK fails the test when the response has errors.
func (r *Response) MustOK(t testing.TB) *Response {
	t.Helper()
	if len(r.Errors) > 0 {
		b, _ := json.Marshal(r.Errors)
		t.Fatalf("unexpected GraphQL errors: %s", b)
	}
	return r
}

// Decode unmarshals data into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Code is the extensions.code of the first error, "" when there is none.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// MustFail fails the test unless the first error has code; it returns that error.
func (r *Response) MustFail(t testing.TB, code string) Error {
	t.Helper()
	if r.Code() != code {
		b, _ := json.Marshal(r)
		t.Fatalf("want error %s, got %s", code, b)
	}
	return r.Errors[0]
}

// Count runs a SQL count on the server's database.
func (s *Server) Count(query string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		s.t.Fatalf("count %q: %v", query, err)
	}
	return n
}

// Get fetches a plain HTTP path.
func (s *Server) Get(path string) (int, string) {
	s.t.Helper()
	res, err := http.Get(s.URL + path)
	if err != nil {
		s.t.Fatalf("get %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}
