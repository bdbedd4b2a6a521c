package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/auth"
)

// Error codes in extensions.code (SPEC §13).
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodePrecondition    = "PRECONDITION_FAILED"
	CodeRateLimited     = "RATE_LIMITED"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
)

// PresentError is gqlgen's error presenter: the one place where domain errors become coded GraphQL
// errors. Anything it does not recognise is INTERNAL, with the cause logged and not shown.
func PresentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var inner *gqlerror.Error
		if errors.As(err, &inner) && inner.Extensions["code"] != nil {
			return gqlErr // already coded (limits, parse and validation errors)
		}
		code, ext := classify(err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		for k, v := range ext {
			gqlErr.Extensions[k] = v
		}
		gqlErr.Extensions["code"] = code
		if code == CodeInternal {
			logger.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
		}
		return gqlErr
	}
}

func classify(err error) (string, map[string]any) {
	var input *apperr.InputError
	var conflict *apperr.ConflictError
	var pre *apperr.PreconditionError
	switch {
	case errors.As(err, &input):
		return CodeBadUserInput, map[string]any{"field": input.Field}
	case errors.As(err, &conflict):
		return CodeConflict, map[string]any{"field": conflict.Field}
	case errors.As(err, &pre):
		return CodePrecondition, map[string]any{"missing": pre.Missing}
	case errors.Is(err, apperr.ErrBadInput):
		return CodeBadUserInput, nil
	case errors.Is(err, apperr.ErrUnauthenticated), errors.Is(err, auth.ErrBadCredentials):
		return CodeUnauthenticated, nil
	case errors.Is(err, apperr.ErrForbidden):
		return CodeForbidden, nil
	case errors.Is(err, apperr.ErrNotFound):
		return CodeNotFound, nil
	case errors.Is(err, apperr.ErrConflict):
		return CodeConflict, nil
	case errors.Is(err, apperr.ErrPrecondition):
		return CodePrecondition, nil
	case errors.Is(err, apperr.ErrRateLimited):
		return CodeRateLimited, nil
	}
	return CodeInternal, nil
}
