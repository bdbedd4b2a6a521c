package server

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/casegate/casegate/internal/auth"
)

// maxOperationNames bounds the operation label: operation names are chosen by clients, and every
// distinct one would otherwise be a new series in every scrape, for ever.
const maxOperationNames = 100

// maxOperationNameLength keeps one absurdly long name from being a label.
const maxOperationNameLength = 64

// Operation labels that are not operation names.
const (
	labelAnonymous = "anonymous" // a request without a session: its name says nothing we can trust
	labelUnnamed   = "unnamed"   // an authenticated operation without a name
	labelOther     = "other"     // a name beyond the first maxOperationNames, or too long
	labelUnknown   = "unknown"   // a request refused before there was an operation
)

// Metrics are the Prometheus collectors of one server (a registry each, so tests can run several).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool // operation names in use as labels
}

// NewMetrics registers request, latency, error and database-pool metrics.
func NewMetrics(db *sql.DB) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "casegate_graphql_requests_total", Help: "GraphQL operations by operation name and type.",
		}, []string{"operation", "type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "casegate_graphql_request_duration_seconds", Help: "GraphQL operation latency by operation name.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "casegate_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		names: map[string]bool{},
	}
	m.Registry.MustRegister(m.requests, m.latency, m.errors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "casegate"))
	return m
}

// observe is a gqlgen response middleware: it counts the operation and its errors once the response
// is complete.
func (m *Metrics) observe(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	name, kind := labelUnknown, labelUnknown
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil {
			kind = string(oc.Operation.Operation)
			name = m.operationLabel(auth.PrincipalFrom(ctx) != nil, oc.Operation.Name)
		} else {
			name = m.operationLabel(auth.PrincipalFrom(ctx) != nil, "")
		}
	}
	m.requests.WithLabelValues(name, kind).Inc()
	m.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			m.errors.WithLabelValues(code).Inc()
		}
	}
	return resp
}

// operationLabel is the operation label of a request: the operation's name only for authenticated
// requests, and only for the first maxOperationNames names seen; anything else has a fixed label.
func (m *Metrics) operationLabel(authenticated bool, name string) string {
	switch {
	case !authenticated:
		return labelAnonymous
	case name == "":
		return labelUnnamed
	case len(name) > maxOperationNameLength:
		return labelOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return labelOther
	}
	m.names[name] = true
	return name
}

// refused counts an error the HTTP edge answered before GraphQL ran.
func (m *Metrics) refused(code string) {
	if m != nil {
		m.errors.WithLabelValues(code).Inc()
	}
}
