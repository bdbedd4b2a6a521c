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

// Error codes in extensions.code, the one vocabulary clients see (docs/api.md, "Error codes").
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodePrecondition    = "PRECONDITION_FAILED"
	CodeRateLimited     = "RATE_LIMITED"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"

	CodeFieldNotWritable      = "FIELD_NOT_WRITABLE"
	CodeRequiredFieldsMissing = "REQUIRED_FIELDS_MISSING"
)

// ReasonBadRequest is extensions.reason of a request that is not a GraphQL request at all (a body
// that is not JSON, a query that is not a string, variables that are not an object).
const ReasonBadRequest = "BAD_REQUEST"

// badRequestMessage is the one message of such errors. gqlgen's own repeats the whole request body,
// which may hold a password, so neither it nor the error is ever shown or logged.
const badRequestMessage = "the request is not a valid GraphQL request (JSON with a string query and an object of variables)"

// PresentError is gqlgen's error presenter: the one place where domain errors become coded GraphQL
// errors. Anything it does not recognise is INTERNAL, with the cause logged and not shown.
func PresentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if transportError(ctx, err) {
			logger.DebugContext(ctx, "request is not a GraphQL request")
			return &gqlerror.Error{Message: badRequestMessage,
				Extensions: map[string]any{"code": CodeBadUserInput, "reason": ReasonBadRequest}}
		}
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
		switch code {
		case CodeInternal:
			logger.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
		case CodeNotFound:
			// One message for every NOT_FOUND: naming the kind of object (or which lookup failed) told
			// callers that something they may not read exists, e.g. the task of an unreadable document.
			gqlErr.Message = apperr.ErrNotFound.Error()
		}
		return gqlErr
	}
}

// transportError reports whether err is one of gqlgen's own errors about a request it could not
// decode: a GraphQL error without a code, a path or a cause, raised before there is an operation
// (no operation context) or at least outside any field. Errors of resolvers always come with a
// field context; parse, validation and limit errors carry a code; a recovered panic is no GraphQL
// error (it stays INTERNAL).
func transportError(ctx context.Context, err error) bool {
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr.Extensions["code"] != nil || len(gqlErr.Path) > 0 || gqlErr.Err != nil {
		return false
	}
	return !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil
}

func classify(err error) (string, map[string]any) {
	var input *apperr.InputError
	var conflict *apperr.ConflictError
	var pre *apperr.PreconditionError
	var fields *apperr.FieldsError
	switch {
	case errors.As(err, &fields) && fields.Kind == apperr.ErrFieldNotWritable:
		return CodeFieldNotWritable, map[string]any{"fields": fields.Fields}
	case errors.As(err, &fields) && fields.Kind == apperr.ErrRequiredFieldsMissing:
		return CodeRequiredFieldsMissing, map[string]any{"fields": fields.Fields}
	case errors.As(err, &input) && input.Limit != "":
		return CodeBadUserInput, map[string]any{"field": input.Field, "limit": input.Limit}
	case errors.As(err, &input) && len(input.Cells) > 0:
		return CodeBadUserInput, map[string]any{"field": input.Field, "cells": input.Cells}
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
