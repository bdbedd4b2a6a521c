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

// organisationGroup is organisationUser for groups, which only those who see the organisation's
// internals are shown (not guests).
func organisationGroup(ctx context.Context, id string) (*groups.Group, error) {
	if !access.SeesInternals(principal(ctx)) {
		return nil, nil
	}
	return optionalGroup(ctx, id)
}

// personDetails reports whether the caller is shown more of u than its id and name (its own
// account always, also in the answer to a login, whose request has no principal yet).
func personDetails(ctx context.Context, u *users.User) bool {
	return u.OfViewer || access.SeesPersonDetails(principal(ctx), u.ID)
}

// viewerUser loads the viewer's own account, marked as such (users.User.OfViewer).
func viewerUser(ctx context.Context, id string) (*users.User, error) {
	u, err := optionalUser(ctx, id)
	if u == nil || err != nil {
		return nil, err
	}
	own := *u
	own.OfViewer = true
	return &own, nil
}

// externalPerson names a temporary-access person to someone not shown its e-mail address.
const externalPerson = "external person"

// guestName is how a temporary-access person who wrote something is named for the caller: the name
// the grant gives, else its e-mail where access.SeesGrantEmail allows, else externalPerson.
func (r *Resolver) guestName(ctx context.Context, grantID string) (string, error) {
	g, err := loaders(ctx).Grant().Load(ctx, grantID)()
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
