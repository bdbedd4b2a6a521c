// Package server is casegate's HTTP edge: the GraphQL endpoint with its limits, authentication,
// error codes and metrics, GraphiQL and the schema's SDL, and the health, readiness and metrics
// endpoints.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/persisted"
	"github.com/casegate/casegate/internal/telemetry"
)

// Options are what the HTTP edge needs.
type Options struct {
	Resolver *graph.Resolver
	Auth     *auth.Service
	DB       *bun.DB
	Logger   *slog.Logger
	Limits   Limits
	// HiddenFieldErrors reports hidden fields as FIELD_HIDDEN errors instead of listing them in
	// extensions.hiddenFields.
	HiddenFieldErrors bool
	// ClientAddr finds a request's client behind trusted proxies.
	ClientAddr ClientAddr
	// DevOutbox serves /dev/outbox, the page of the dev outbox; off, that path is not found.
	DevOutbox bool
	// Tracing traces requests, operations and statements; nil is off.
	Tracing *telemetry.Tracing
	// CORSOrigins are the origins whose pages may call /graphql and GET /attachments/{id} from a
	// browser (cors.go); none sends no CORS headers.
	CORSOrigins []string
	// TrustedDocuments, when not nil, is the manifest of the only documents guests and
	// temporary-access sessions may run (besides casegate's own pages'); see persisted.go.
	TrustedDocuments *persisted.Manifest
	// AuthenticatedIntrospection lets only callers with a session read the schema: __schema and
	// __type, and GET /schema.graphql (config's --introspection authenticated).
	AuthenticatedIntrospection bool
}

// New returns the whole HTTP handler of a casegate server.
func New(o Options) http.Handler {
	if o.Tracing == nil {
		o.Tracing = telemetry.Off()
	}
	metrics := NewMetrics(o.DB.DB)
	schema := graph.NewSchema(o.Resolver)
	gql := newGraphQL(o, schema, metrics)
	// api is a route that knows its client, is traced and authenticates its bearer token.
	api := func(route string, pending bool, h http.Handler) http.Handler {
		return clientAddress(o.ClientAddr, traced(o.Tracing, o.ClientAddr, route, authenticate(o.Auth, pending, h)))
	}
	mux := http.NewServeMux()
	// Downloads and uploads share the bounds of transfers at once; uploads have one more (transfers.go).
	slots := newTransfers(o.Limits)
	cors := newCORS(o.CORSOrigins)
	mux.Handle("/graphql", cors.wrap("GET, POST", api("/graphql", true, graph.LoadersMiddleware(o.DB, limitBody(o.Limits, metrics, documentIDs(boundUploads(o.Limits, slots, metrics, gql)))))))
	mux.Handle("GET /attachments/{id}", cors.wrap("GET", api("GET /attachments/{id}", false, download(o.Resolver.AttachmentService, slots, metrics, o.Logger))))
	if cors != nil { // a portal on another origin downloads with its bearer token, which needs a preflight
		mux.Handle("OPTIONS /attachments/{id}", cors.wrap("GET", preflightOnly("GET", "HEAD")))
	}
	mux.HandleFunc("GET /{$}", graphiQLPage)
	mux.HandleFunc("GET /graphiql/{file...}", graphiQLFiles)
	mux.Handle("GET /schema.graphql", api("GET /schema.graphql", false, schemaSDL(schema.Schema(), o.AuthenticatedIntrospection)))
	mux.HandleFunc("GET /reset-password", resetPasswordPage)
	mux.HandleFunc("GET /reset-password/static/{file}", resetPasswordFiles)
	mux.HandleFunc("GET /access/", accessLinkPage)
	mux.HandleFunc("GET /access/static/{file}", accessPageFiles)
	mux.HandleFunc("GET /portal/", portalPage)
	mux.HandleFunc("GET /portal/static/{file}", portalFiles)
	mux.HandleFunc("GET /activate/", activatePage)
	mux.HandleFunc("GET /activate/static/{file}", activateFiles)
	mux.HandleFunc("GET /admin/", adminPage)
	mux.HandleFunc("GET /admin/static/{file}", adminPageFiles)
	mux.HandleFunc("GET /static/{file}", sharedFiles)
	if o.DevOutbox {
		mux.HandleFunc("GET /dev/outbox", devOutboxPage)
		mux.HandleFunc("GET /dev/outbox/static/{file}", devOutboxFiles)
	}
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

func newGraphQL(o Options, schema graphql.ExecutableSchema, m *Metrics) *handler.Server {
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	// codedTransport codes their refusals and settles the status of requests that fail (status.go).
	srv.AddTransport(codedTransport{transport.GET{}, m})
	srv.AddTransport(codedTransport{transport.POST{}, m})
	srv.AddTransport(codedTransport{transport.MultipartForm{MaxUploadSize: o.Limits.uploadBytes(), MaxMemory: uploadMemory}, m})
	srv.AddTransport(refuseTransport{metrics: m}) // last: whatever the others do not support
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if o.Tracing.On() { // off, its span would be the no-op tracer's, which records nothing
		srv.Use(tracingExtension{tracer: o.Tracing.Tracer()}) // first: its span holds the whole operation
	}
	srv.AroundOperations(principalOperation(o))
	srv.AroundOperations(previewOperation(o, m))                  // after principalOperation: it swaps the principal
	srv.AroundOperations(trustedOperation(o.TrustedDocuments, m)) // after both: it needs the principal (the previewed one)
	srv.Use(extension.Introspection{})
	srv.Use(newPersistedQueries(o.TrustedDocuments, apqCacheSize, o.Limits.MaxBytes)) // before the limits, which check the document it finds
	// After the persisted queries, which find the query of a hash; before the limits: a request
	// without a query is no request at all.
	srv.Use(requireQuery{})
	srv.Use(newLimitsExtension(o.Limits))
	srv.SetErrorPresenter(graph.PresentError(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, err any) error {
		o.Logger.ErrorContext(ctx, "panic in resolver", "panic", err)
		return errInternal
	})
	srv.AroundRootFields(requireLogin(o.AuthenticatedIntrospection))
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return m.observe(ctx, func(ctx context.Context) *graphql.Response { return normalizeCodes(next(ctx)) })
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return reportHidden(ctx, next, o.HiddenFieldErrors)
	})
	return srv
}
