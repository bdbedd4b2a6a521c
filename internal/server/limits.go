package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits bound what one GraphQL request may ask for; a request over a bound is refused before any
// resolver runs, with BAD_USER_INPUT and extensions.limit naming the bound.
type Limits struct {
	MaxDepth      int
	MaxComplexity int
	MaxBytes      int
	// MaxUploadBytes bounds a whole multipart request (UploadBound of the attachment limit); 0 is
	// the built-in 25 MiB.
	MaxUploadBytes int64
	// MaxTransfers and MaxTransfersPerPrincipal bound the downloads and uploads running at once, in
	// total and per principal, MaxUploads and MaxUploadsPerPrincipal the uploads among them; 0 is
	// the Default… constant.
	MaxTransfers, MaxTransfersPerPrincipal, MaxUploads, MaxUploadsPerPrincipal int
}

type limitsExtension struct {
	limits Limits
	schema graphql.ExecutableSchema
}

var (
	_ graphql.HandlerExtension          = (*limitsExtension)(nil)
	_ graphql.OperationParameterMutator = (*limitsExtension)(nil)
	_ graphql.OperationContextMutator   = (*limitsExtension)(nil)
)

func (e *limitsExtension) ExtensionName() string { return "CasegateLimits" }

func (e *limitsExtension) Validate(schema graphql.ExecutableSchema) error {
	e.schema = schema
	return nil
}

func limitError(limit string, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": "BAD_USER_INPUT", "limit": limit}
	return err
}

func (e *limitsExtension) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Query) > e.limits.MaxBytes {
		return limitError("DOCUMENT_SIZE", "query document has %d bytes, over the limit of %d", len(p.Query), e.limits.MaxBytes)
	}
	return nil
}

func (e *limitsExtension) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if d := depth(oc.Doc, op.SelectionSet, map[string]bool{}); d > e.limits.MaxDepth {
		return limitError("DEPTH", "query depth %d is over the limit of %d", d, e.limits.MaxDepth)
	}
	if c := complexity.Calculate(ctx, e.schema, op, oc.Variables); c > e.limits.MaxComplexity {
		return limitError("COMPLEXITY", "query complexity %d is over the limit of %d", c, e.limits.MaxComplexity)
	}
	return nil
}

// depth counts nested fields, following fragments; introspection fields do not count, so that
// GraphiQL's schema query works under any sensible limit.
func depth(doc *ast.QueryDocument, set ast.SelectionSet, visiting map[string]bool) int {
	max := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			d = 1 + depth(doc, s.SelectionSet, visiting)
		case *ast.InlineFragment:
			d = depth(doc, s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue // a cycle is a validation error reported elsewhere
			}
			if f := doc.Fragments.ForName(s.Name); f != nil {
				visiting[s.Name] = true
				d = depth(doc, f.SelectionSet, visiting)
				delete(visiting, s.Name)
			}
		default:
			panic(fmt.Sprintf("unknown selection %T", sel))
		}
		if d > max {
			max = d
		}
	}
	return max
}
