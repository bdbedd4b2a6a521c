package telemetry

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing is the process's tracer provider: the SDK's when a collector is configured, else a no-op.
type Tracing struct {
	Provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider
}

// Off is tracing switched off.
func Off() *Tracing { return &Tracing{Provider: noop.NewTracerProvider()} }

// New sends spans to the OTLP/HTTP collector at endpoint (its base URL: spans go to
// {endpoint}/v1/traces, as OTEL_EXPORTER_OTLP_ENDPOINT means); an empty endpoint is Off. The
// exporter reads the standard OTEL_EXPORTER_OTLP_HEADERS and the SDK OTEL_TRACES_SAMPLER.
func New(ctx context.Context, endpoint string) (*Tracing, error) {
	if endpoint == "" {
		return Off(), nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimSuffix(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", "casegate")))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{Provider: tp, sdk: tp}, nil
}

// On tells whether spans are exported.
func (t *Tracing) On() bool { return t.sdk != nil }

// Tracer is casegate's tracer.
func (t *Tracing) Tracer() trace.Tracer { return t.Provider.Tracer("github.com/casegate/casegate") }

// ForceFlush exports the spans ended so far.
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

// Shutdown exports what is left and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}
