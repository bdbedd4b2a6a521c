// Package apperr holds the domain's error vocabulary: sentinel errors for each outcome a client can
// act on, and typed errors that carry the details (which field, which limit). Domain code wraps them
// with %w; the GraphQL edge maps them to extensions.code once, in one place.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels. Each maps to one extensions.code at the edge.
var (
	ErrUnauthenticated = errors.New("authentication required")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrPrecondition    = errors.New("precondition failed")
	ErrRateLimited     = errors.New("too many attempts, try again later")
	ErrBadInput        = errors.New("bad user input")
)

// InputError is bad user input in one named field. It matches ErrBadInput with errors.Is.
type InputError struct {
	Field  string
	Reason string
	// Limit names the configured bound the input is over (extensions.limit), if that is the reason.
	Limit string
	// Cells names every bad item of a list checked together (extensions.cells), when there are any.
	Cells []string
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, ErrBadInput) true for every InputError.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }

// Input returns an InputError for field.
func Input(field, reason string) error { return &InputError{Field: field, Reason: reason} }

// OverLimit returns an InputError for field whose value is over the configured bound named limit.
func OverLimit(field, limit, reason string) error {
	return &InputError{Field: field, Reason: reason, Limit: limit}
}

// ConflictError says which unique thing already exists. It matches ErrConflict.
type ConflictError struct {
	Field string
	What  string
}

func (e *ConflictError) Error() string { return e.What + " already exists" }

// Is makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Conflict returns a ConflictError for field.
func Conflict(field, what string) error { return &ConflictError{Field: field, What: what} }

// PreconditionError names what is missing before an operation may run. It matches ErrPrecondition.
type PreconditionError struct{ Missing []string }

func (e *PreconditionError) Error() string {
	return "precondition failed: " + strings.Join(e.Missing, ", ")
}

// Is makes errors.Is(err, ErrPrecondition) true for every PreconditionError.
func (e *PreconditionError) Is(target error) bool { return target == ErrPrecondition }

// Precondition returns a PreconditionError naming what is missing.
func Precondition(missing ...string) error { return &PreconditionError{Missing: missing} }

// NotFound wraps ErrNotFound with the kind of thing that was looked for. The kind helps reading
// the code and logs; clients are told only "not found", whatever the kind (see graph/errors.go).
func NotFound(what string) error { return fmt.Errorf("%s %w", what, ErrNotFound) }

// Forbidden wraps ErrForbidden with what the caller lacks.
func Forbidden(reason string) error { return fmt.Errorf("%w: %s", ErrForbidden, reason) }

// Sentinels of form writes and stage moves.
var (
	ErrFieldNotWritable      = errors.New("fields not writable")
	ErrRequiredFieldsMissing = errors.New("required fields missing")
)

// FieldsError names every field that made a form write or a move fail ("section.field"). It
// matches its Kind (ErrFieldNotWritable or ErrRequiredFieldsMissing) with errors.Is.
type FieldsError struct {
	Kind   error
	Fields []string
}

func (e *FieldsError) Error() string { return e.Kind.Error() + ": " + strings.Join(e.Fields, ", ") }

// Is matches the error's kind.
func (e *FieldsError) Is(target error) bool { return target == e.Kind }
