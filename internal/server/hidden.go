package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/cases"
)

// reportHidden runs one operation with a collector of hidden fields, and lists the hidden fields that were requested in extensions.hiddenFields
// (no entry in errors, so standard clients do not fail) unless they are reported as errors.
func reportHidden(ctx context.Context, next graphql.ResponseHandler, asErrors bool) *graphql.Response {
	h := &cases.Hidden{AsErrors: asErrors}
	resp := next(cases.WithHidden(ctx, h))
	if resp == nil {
		return nil
	}
	if paths := h.Paths(); len(paths) > 0 {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["hiddenFields"] = paths
	}
	return resp
}
