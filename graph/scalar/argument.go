package scalar

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/apperr"
)

// argument is where a scalar being read sits: the field it is an argument of (nil outside one) and
// its path below that field, the argument's name first, then input fields; list indices are left
// out.
type argument struct {
	field *graphql.FieldContext
	path  []string
}

// argumentOf finds the argument from gqlgen's path context: each argument and input field it
// decodes pushes its name, all under the field being resolved.
func argumentOf(ctx context.Context) argument {
	a := argument{field: graphql.GetFieldContext(ctx)}
	for pc := graphql.GetPathContext(ctx); pc != nil && pc.ParentField == a.field; pc = pc.Parent {
		if pc.Field != nil {
			a.path = append(a.path, *pc.Field)
		}
	}
	slices.Reverse(a.path)
	return a
}

// name is the innermost name of the argument (the input field, or the argument itself): what
// extensions.field says, as for the services' own input errors. The error's path gives the rest.
func (a argument) name() string {
	if len(a.path) == 0 {
		return "input"
	}
	return a.path[len(a.path)-1]
}

// refuse is the BAD_USER_INPUT error of a value the scalar at ctx cannot take.
func refuse(ctx context.Context, reason string) error {
	return apperr.Input(argumentOf(ctx).name(), reason)
}
