package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// QueryHook gives every SQL statement a span named for its operation and table. The statement's
// text is left out: bun inlines the values.
type QueryHook struct{ tracer trace.Tracer }

// NewQueryHook traces statements with t.
func NewQueryHook(t *Tracing) *QueryHook { return &QueryHook{tracer: t.Tracer()} }

type spanKey struct{}

// BeforeQuery starts the statement's span.
func (h *QueryHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx // only statements inside a traced request or job: no root span per statement
	}
	op := e.Operation()
	attrs := []attribute.KeyValue{attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", op)}
	name := op
	if t, ok := e.IQuery.(interface{ GetTableName() string }); ok {
		if table := strings.Trim(t.GetTableName(), `"`); table != "" {
			attrs = append(attrs, attribute.String("db.collection.name", table))
			name += " " + table
		}
	}
	ctx, span := h.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, spanKey{}, span)
}

// AfterQuery ends it, marking errors other than "no rows". The error's text is left out too: a
// constraint violation quotes the row's values.
func (h *QueryHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) {
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}
