package graph

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/users"
)

// employeeOnly resolves a user named by a grant for employees; a temporary-access person is not
// shown the organisation's people.
func employeeOnly(ctx context.Context, id *string) (*users.User, error) {
	if !access.Internal(principal(ctx)).Allowed {
		return nil, nil
	}
	return optionalUser(ctx, deref(id))
}
