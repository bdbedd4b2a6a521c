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

	"github.com/casegate/casegate/internal/telemetry"
)

// traced gives each request to h a server span named route, continuing a trace the caller sent
// (W3C traceparent). Only routes whose URLs hold no secret are traced.
func traced(t *telemetry.Tracing, route string, h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, route, otelhttp.WithTracerProvider(t.Provider),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return route }))
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
	kind, name := "operation", oc.OperationName
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
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
