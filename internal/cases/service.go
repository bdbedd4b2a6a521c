// Package cases stores cases (instances of procedures) with their form values, stage, tasks,
// participants and ACL, and runs every operation on them through access decisions.
package cases

import (
	"context"
	"errors"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/relay"
)

// Case is a row of the cases table.
type Case struct {
	ID string
}

// Service runs case operations.
type Service struct{}

// CreateInput is what create<Type> takes besides the form values.
type CreateInput struct {
	Values      map[string]any
	Title       *string
	ProjectID   *string
	ClientID    *string
	PositionID  *string
	AssigneeIDs []string
}

// Form loads one case of procedure as p sees it.
func (s *Service) Form(ctx context.Context, p *access.Principal, procedure, id string) (*Form, error) {
	return nil, errors.New("not yet")
}

// Forms lists the cases of procedure p may read, newest first.
func (s *Service) Forms(ctx context.Context, p *access.Principal, procedure string, page relay.Args) (relay.Page[*Form], error) {
	return relay.Page[*Form]{}, errors.New("not yet")
}

// Create starts a case of procedure.
func (s *Service) Create(ctx context.Context, p *access.Principal, procedure string, in CreateInput) (*Form, error) {
	return nil, errors.New("not yet")
}

// Update sets form values of a case.
func (s *Service) Update(ctx context.Context, p *access.Principal, procedure, id string, values map[string]any) (*Form, error) {
	return nil, errors.New("not yet")
}
