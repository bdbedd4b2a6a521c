package scalar

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/database"
)

// MarshalString writes a String as gqlgen does. casegate binds String to its own functions for
// UnmarshalString; gqlgen then calls both with a context.
func MarshalString(s string) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		graphql.MarshalString(s).MarshalGQL(w)
		return nil
	})
}

// UnmarshalString reads every String argument: text PostgreSQL can store (valid UTF-8, no NUL)
// within the argument's bound. Anything else is BAD_USER_INPUT naming the argument.
func UnmarshalString(ctx context.Context, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", refuse(ctx, "must be a string")
	}
	return s, checkText(ctx, s)
}

// MarshalID writes an ID as a String.
func MarshalID(s string) graphql.ContextMarshaler { return MarshalString(s) }

// UnmarshalID reads an ID (a string, or an integer as GraphQL allows) with the rules of String.
func UnmarshalID(ctx context.Context, v any) (string, error) {
	switch v.(type) {
	case string, int, int64, json.Number:
	default:
		return "", refuse(ctx, "must be a string")
	}
	s, err := graphql.UnmarshalID(v)
	if err != nil {
		return "", refuse(ctx, "must be a string")
	}
	return s, checkText(ctx, s)
}

func checkText(ctx context.Context, s string) error {
	switch {
	case strings.ContainsRune(s, 0):
		return refuse(ctx, "must not contain NUL characters")
	case !database.ValidText(s):
		return refuse(ctx, "must be valid UTF-8")
	}
	// Every bound is at least MaxEmail and a character is at least a byte, so the argument's path
	// is looked up only for the few strings that could be over their bound.
	if len(s) <= MaxEmail {
		return nil
	}
	if max := argumentOf(ctx).bound(); len(s) > max && utf8.RuneCountInString(s) > max {
		return refuse(ctx, fmt.Sprintf("must have at most %d characters", max))
	}
	return nil
}
