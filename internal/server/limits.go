package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
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
	// costs remembers each operation's depth, and its complexity when its variables cannot change
	// it, by document and operation name: the walk and its argument maps are paid once per
	// document, not on every request.
	costs *lru.Cache[operationKey, operationCost]
}

// costCacheSize bounds the operations whose cost is remembered, as many as the parsed documents
// the handler keeps.
const costCacheSize = 1000

func newLimitsExtension(l Limits) *limitsExtension {
	costs, err := lru.New[operationKey, operationCost](costCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &limitsExtension{limits: l, costs: costs}
}

type operationKey struct{ query, operation string }

type operationCost struct {
	depth int
	// complexity is the operation's complexity when byVariables is false; when it is true a
	// variable reaches an argument the complexity is computed from, and it is computed anew.
	complexity  int
	byVariables bool
}

// argumentPricing is implemented by a schema that tells which fields' complexity reads their
// arguments (graph.NewSchema's). A schema without it is taken to read every argument.
type argumentPricing interface {
	PricedByArguments(typeName, field string) bool
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
	key := operationKey{oc.RawQuery, oc.OperationName}
	cost, known := e.costs.Get(key)
	if !known {
		cost.depth = depth(oc.Doc, op.SelectionSet, map[string]bool{})
		pricing, _ := e.schema.(argumentPricing)
		cost.byVariables = variablesPrice(pricing, op.SelectionSet, map[string]bool{})
		if !cost.byVariables {
			cost.complexity = complexity.Calculate(ctx, e.schema, op, oc.Variables)
		}
		e.costs.Add(key, cost)
	}
	if cost.depth > e.limits.MaxDepth {
		return limitError("DEPTH", "query depth %d is over the limit of %d", cost.depth, e.limits.MaxDepth)
	}
	c := cost.complexity
	if cost.byVariables {
		c = complexity.Calculate(ctx, e.schema, op, oc.Variables)
	}
	if c > e.limits.MaxComplexity {
		return limitError("COMPLEXITY", "query complexity %d is over the limit of %d", c, e.limits.MaxComplexity)
	}
	return nil
}

// variablesPrice tells whether a variable reaches an argument of a field in set (following
// fragments) whose complexity is computed from its arguments, so that the set's complexity may
// differ from one request's variables to another's. With no pricing, every argument counts.
func variablesPrice(pricing argumentPricing, set ast.SelectionSet, visiting map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if holdsVariable(a.Value) && (pricing == nil || s.ObjectDefinition == nil ||
					pricing.PricedByArguments(s.ObjectDefinition.Name, s.Name)) {
					return true
				}
			}
			if variablesPrice(pricing, s.SelectionSet, visiting) {
				return true
			}
		case *ast.InlineFragment:
			if variablesPrice(pricing, s.SelectionSet, visiting) {
				return true
			}
		case *ast.FragmentSpread:
			if visiting[s.Name] || s.Definition == nil {
				continue
			}
			visiting[s.Name] = true
			priced := variablesPrice(pricing, s.Definition.SelectionSet, visiting)
			delete(visiting, s.Name)
			if priced {
				return true
			}
		default:
			panic(fmt.Sprintf("unknown selection %T", sel))
		}
	}
	return false
}

// holdsVariable tells whether v is a variable or a list or input object holding one.
func holdsVariable(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, c := range v.Children {
		if holdsVariable(c.Value) {
			return true
		}
	}
	return false
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
