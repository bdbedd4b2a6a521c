package graph

import (
	"context"

	"github.com/casegate/casegate/graph/model"
	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/substitution"
	"github.com/casegate/casegate/internal/users"
)

func principal(ctx context.Context) *access.Principal { return auth.PrincipalFrom(ctx) }

func args(first *int, after *string) relay.Args { return relay.Args{First: first, After: after} }

func pageInfo[T any](p relay.Page[T]) *model.PageInfo {
	return &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrevious, StartCursor: p.StartCursor, EndCursor: p.EndCursor}
}

// edges converts a page's edges with mk, which builds the generated edge type from cursor and node.
func edges[T, E any](p relay.Page[T], mk func(cursor string, node *T) E) []E {
	out := make([]E, len(p.Edges))
	for i := range p.Edges {
		out[i] = mk(p.Edges[i].Cursor, &p.Edges[i].Node)
	}
	return out
}

// connection runs a page query and converts it; the generated connection types differ only in names.
func connection[T, E, C any](p relay.Page[T], err error, mkEdge func(string, *T) E, mk func([]E, *model.PageInfo) *C) (*C, error) {
	if err != nil {
		return nil, err
	}
	return mk(edges(p, mkEdge), pageInfo(p)), nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func userConnection(p relay.Page[users.User], err error) (*model.UserConnection, error) {
	return connection(p, err, func(c string, n *users.User) model.UserEdge { return model.UserEdge{Cursor: c, Node: n} },
		func(e []model.UserEdge, pi *model.PageInfo) *model.UserConnection {
			return &model.UserConnection{Edges: e, PageInfo: pi}
		})
}

// optionalUser loads a user for a nullable field; an empty id is null.
func optionalUser(ctx context.Context, id string) (*users.User, error) {
	if id == "" {
		return nil, nil
	}
	return loaders(ctx).User().Load(ctx, id)()
}

func substitutionInput(in model.SubstitutionInput) substitution.Input {
	return substitution.Input{SubstitutedID: in.SubstitutedID, SubstituteID: in.SubstituteID, DateFrom: in.DateFrom,
		DateTo: in.DateTo, Active: in.Active, ForwardEmails: in.ForwardEmails}
}
