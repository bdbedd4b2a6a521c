// Package server is casegate's HTTP edge: the GraphQL endpoint with its limits, authentication,
// error codes and metrics, GraphiQL, and the health, readiness and metrics endpoints.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/auth"
)

// Options are what the HTTP edge needs.
type Options struct {
	Resolver *graph.Resolver
	Auth     *auth.Service
	DB       *bun.DB
	Logger   *slog.Logger
	Limits   Limits
}

// New returns the whole HTTP handler of a casegate server.
func New(o Options) http.Handler {
	metrics := NewMetrics(o.DB.DB)
	gql := newGraphQL(o, metrics)
	mux := http.NewServeMux()
	mux.Handle("/graphql", authenticate(o.Auth, graph.LoadersMiddleware(o.DB, limitBody(o.Limits, gql))))
	mux.Handle("GET /{$}", playground.Handler("casegate", "/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := o.DB.PingContext(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	return requestLog(o.Logger, mux)
}

func newGraphQL(o Options, m *Metrics) *handler.Server {
	srv := handler.New(graph.NewExecutableSchema(graph.NewConfig(o.Resolver)))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: 25 << 20, MaxMemory: 8 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(&limitsExtension{limits: o.Limits})
	srv.SetErrorPresenter(graph.PresentError(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, err any) error {
		o.Logger.ErrorContext(ctx, "panic in resolver", "panic", err)
		return errInternal
	})
	srv.AroundRootFields(requireLogin)
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return m.observe(ctx, func(ctx context.Context) *graphql.Response { return normalizeCodes(next(ctx)) })
	})
	return srv
}

// limitBody caps the request body, so an oversized document is refused before it is read whole.
// Uploads get their own, larger bound from the multipart transport.
func limitBody(l Limits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = http.MaxBytesReader(w, r.Body, int64(l.MaxBytes)*4+(1<<20))
		}
		next.ServeHTTP(w, r)
	})
}
