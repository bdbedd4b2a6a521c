package app_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/otlptest"
)

// loopback is where the tests' requests come from.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// TestTracing: with a collector configured, a request through a trusted proxy continues the
// caller's trace with a server span, a span for its GraphQL operation and spans for its SQL
// statements, exported over OTLP/HTTP; no span holds a password, a token, SQL text or a
// User-Agent, and the client's address is the one the limits use.
func TestTracing(t *testing.T) {
	collector := otlptest.Start(t)
	s := gqltest.Start(t, func(c *config.Config) { c.OTLPEndpoint, c.TrustedProxies = collector.URL(), loopback })
	admin := s.Admin()
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	traced := s.WithToken(admin.Token)
	traced.Header = http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"},
		"X-Forwarded-For": {"6.6.6.6, 203.0.113.5"}, "User-Agent": {"Mozilla/5.0 (Jan Kowalski's laptop)"}}
	traced.Do(`query Me { me { kind } }`, nil).MustOK(t)
	traced.Do(`query Denied { case(id: "00000000-0000-0000-0000-000000000000") { id } }`, nil).MustFail(t, "NOT_FOUND")
	s.Anonymous().Do(`mutation { requestAccessCode(link: "https://casegate.test/access/`+strings.Repeat("t", 43)+`") }`, nil).MustOK(t)
	s.Get("/access/" + strings.Repeat("t", 43))
	if err := s.App.Tracing.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := collector.Spans()
	byID := map[string]otlptest.Span{}
	for _, sp := range spans {
		byID[sp.SpanID] = sp
		for k, v := range sp.Attributes {
			for _, secret := range []string{gqltest.AdminPassword, admin.Token, strings.Repeat("t", 43)} {
				if strings.Contains(v, secret) {
					t.Errorf("span %q attribute %s holds a secret: %q", sp.Name, k, v)
				}
			}
			if strings.Contains(v, "SELECT ") || strings.Contains(v, "INSERT ") {
				t.Errorf("span %q attribute %s holds SQL: %q", sp.Name, k, v)
			}
		}
		if strings.Contains(sp.Name, "/access") {
			t.Errorf("the access page is traced: %q", sp.Name)
		}
	}
	var op, denied *otlptest.Span
	for _, sp := range spans {
		switch sp.Name {
		case "graphql.query Me":
			op = &sp
		case "graphql.query Denied":
			denied = &sp
		}
	}
	if op == nil || op.TraceID != traceID || op.Attributes["graphql.operation.type"] != "query" || op.StatusError {
		t.Fatalf("operation span = %+v", op)
	}
	server := byID[op.ParentSpanID]
	if server.Name != "/graphql" || server.Kind != "SPAN_KIND_SERVER" || server.ParentSpanID != parentID || server.Service != "casegate" {
		t.Fatalf("the operation's parent is not a server span continuing the caller's trace: %+v", server)
	}
	if !strings.Contains(s.Logs(), "trace_id="+traceID) {
		t.Fatal("the request's log line lacks its trace id")
	}
	if server.Attributes["client.address"] != "203.0.113.5" || server.Attributes["user_agent.original"] != "" {
		t.Fatalf("server span: client %q, user agent %q", server.Attributes["client.address"], server.Attributes["user_agent.original"])
	}
	sql := 0
	for _, sp := range spans {
		if sp.Attributes["db.system.name"] == "postgresql" && (sp.ParentSpanID == server.SpanID || sp.ParentSpanID == op.SpanID) {
			sql++
		}
	}
	if sql == 0 {
		t.Fatal("no SQL spans under the request")
	}
	if denied == nil || !denied.StatusError || denied.Attributes["graphql.error.codes"] != "NOT_FOUND" {
		t.Fatalf("denied operation span = %+v", denied)
	}
	// A statement's span says what it did and to which table.
	found := false
	for _, sp := range spans {
		if sp.Attributes["db.operation.name"] == "SELECT" && sp.Attributes["db.collection.name"] != "" && byID[sp.ParentSpanID].TraceID == sp.TraceID {
			found = true
		}
	}
	if !found {
		t.Fatal("no SELECT span names its table under a parent")
	}
}

// TestTracingUntrustedCaller: a caller that is not a trusted proxy does not choose the trace (or
// whether it is sampled), and what it writes into X-Forwarded-For is not recorded as its address.
func TestTracingUntrustedCaller(t *testing.T) {
	collector := otlptest.Start(t)
	s := gqltest.Start(t, func(c *config.Config) { c.OTLPEndpoint = collector.URL() })
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	c := s.Anonymous()
	for _, flags := range []string{"00", "01"} {
		c.Header = http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-" + flags}, "X-Forwarded-For": {"6.6.6.6"}}
		c.Do(`query Unsampled { __typename }`, nil).MustOK(t)
	}
	if err := s.App.Tracing.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	servers := 0
	for _, sp := range collector.Spans() {
		if sp.TraceID == traceID {
			t.Fatalf("an untrusted caller's trace was continued: %+v", sp)
		}
		if sp.Name == "/graphql" {
			servers++
			if sp.Attributes["client.address"] != "127.0.0.1" {
				t.Fatalf("client.address = %q", sp.Attributes["client.address"])
			}
		}
	}
	if servers != 2 {
		t.Fatalf("%d server spans for 2 requests (one asked not to be sampled)", servers)
	}
}

// TestTracingOff: without a collector nothing is exported, and the request's log line carries
// the trace id of the caller's traceparent (a gateway's trace, found again in casegate's log),
// and none without one.
func TestTracingOff(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.TrustedProxies = loopback })
	if s.App.Tracing.On() {
		t.Fatal("tracing is on without an endpoint")
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	c := s.Anonymous()
	c.Header = http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}, "X-Request-ID": {"with-traceparent"}}
	c.Do(`query Q { __typename }`, nil).MustOK(t)
	c.Header = http.Header{"X-Request-ID": {"without-traceparent"}}
	c.Do(`query Q { __typename }`, nil).MustOK(t)
	lines := map[string]string{}
	for _, l := range strings.Split(s.Logs(), "\n") {
		for _, id := range []string{"with-traceparent", "without-traceparent"} {
			if strings.Contains(l, "msg=request ") && strings.Contains(l, "request_id="+id) {
				lines[id] = l
			}
		}
	}
	if l := lines["with-traceparent"]; !strings.Contains(l, "trace_id="+traceID) || !strings.Contains(l, "status=200") {
		t.Fatalf("request line with a traceparent: %q", l)
	}
	if l := lines["without-traceparent"]; l == "" || strings.Contains(l, "trace_id=") {
		t.Fatalf("request line without a traceparent: %q", l)
	}
}
