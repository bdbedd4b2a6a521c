package server

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/telemetry"
)

// traced gives each request to h a server span named route. Only routes whose URLs hold no secret
// are traced. A trace the caller sent (W3C traceparent) is continued only from a trusted proxy:
// anyone else would decide whether its own requests are sampled, so its context is only linked.
// The span records the client's address as the limits see it (clientAddress, before it; otelhttp
// would believe the leftmost X-Forwarded-For entry, which the client writes) and no User-Agent.
//
// With tracing off nothing is wrapped: the request's context only takes the caller's trace context
// (as the no-op tracer under otelhttp left it), so the log line carries the caller's trace id.
func traced(t *telemetry.Tracing, addr ClientAddr, route string, h http.Handler) http.Handler {
	if !t.On() {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ctx := (propagation.TraceContext{}).Extract(r.Context(), propagation.HeaderCarrier(r.Header)); ctx != r.Context() {
				r = r.WithContext(ctx)
				logWith(ctx)
			}
			h.ServeHTTP(w, r)
		})
	}
	withSpan := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logWith(r.Context()) // the request's log line carries the trace id
		h.ServeHTTP(w, r)
	})
	inner := otelhttp.NewHandler(withSpan, route, otelhttp.WithTracerProvider(t.Provider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithPublicEndpointFn(func(r *http.Request) bool { return !addr.FromTrustedProxy(r) }),
		otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return route }))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Set("X-Forwarded-For", auth.ClientAddrFrom(r.Context()))
		r.Header.Del("User-Agent")
		inner.ServeHTTP(w, r)
	})
}

// tracingExtension gives each GraphQL operation a span: its type and name, and the codes of its
// errors. Variables are left out: they hold passwords, codes and form data.
type tracingExtension struct{ tracer trace.Tracer }

var (
	_ graphql.HandlerExtension    = tracingExtension{}
	_ graphql.ResponseInterceptor = tracingExtension{}
)

func (tracingExtension) ExtensionName() string                   { return "Tracing" }
func (tracingExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (e tracingExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	kind, name := "operation", ""
	if oc.Operation != nil {
		kind, name = string(oc.Operation.Operation), oc.Operation.Name
	}
	if len(name) > maxOperationNameLength { // as the metrics bound it; parsed names are ASCII
		name = name[:maxOperationNameLength]
	}
	spanName := "graphql." + kind
	if name != "" {
		spanName += " " + name
	}
	ctx, span := e.tracer.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)))
	defer span.End()
	res := next(ctx)
	if res != nil && len(res.Errors) > 0 {
		var errCodes []string
		for _, err := range res.Errors {
			if c, ok := err.Extensions["code"].(string); ok {
				errCodes = append(errCodes, c)
			}
		}
		span.SetAttributes(attribute.StringSlice("graphql.error.codes", errCodes))
		span.SetStatus(codes.Error, "the response has errors")
	}
	return res
}
