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

// externalPerson names a temporary-access person to someone not shown its e-mail address.
const externalPerson = "external person"

// guestName is how a temporary-access person who wrote something is named for the caller: the name
// the grant gives, else its e-mail where access.SeesGrantEmail allows, else externalPerson.
func (r *Resolver) guestName(ctx context.Context, grantID string) (string, error) {
	g, err := loaders(ctx).Grant.Load(ctx, grantID)()
	switch {
	case err != nil:
		return "", err
	case g.Name() != "":
		return g.Name(), nil
	case access.SeesGrantEmail(principal(ctx), grantID):
		return g.Email, nil
	}
	return externalPerson, nil
}
