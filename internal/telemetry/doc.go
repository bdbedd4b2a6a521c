// Package telemetry traces casegate with OpenTelemetry when a collector is configured
// (--otlp-endpoint / OTEL_EXPORTER_OTLP_ENDPOINT, OTLP over HTTP): a span per HTTP request, one per
// GraphQL operation, one per job run and one per SQL statement within them. Without a collector the tracer is a no-op and costs
// nothing worth measuring.
//
// What spans carry is chosen so that traces never hold what casegate keeps secret, and of what is
// personal only the client's address (as the rate limits see it): no SQL text (bun inlines the
// values: password hashes, token hashes, form data) or SQL error text, no GraphQL variables, no
// request bodies, no User-Agent, and only the paths of /graphql and /attachments/{id} (the access
// and reset pages carry tokens in their URLs and are not traced).
package telemetry
