package graph

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/users"
)

// organisationUser resolves a user named by something the caller reads, unless access says the
// caller is not shown the organisation's people (a temporary-access person): then null.
func organisationUser(ctx context.Context, id string) (*users.User, error) {
	if !access.SeesOrganisation(principal(ctx)) {
		return nil, nil
	}
	return optionalUser(ctx, id)
}

// organisationGroup is organisationUser for groups.
func organisationGroup(ctx context.Context, id string) (*groups.Group, error) {
	if !access.SeesOrganisation(principal(ctx)) {
		return nil, nil
	}
	return optionalGroup(ctx, id)
}
