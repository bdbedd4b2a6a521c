package graph

import (
	"github.com/casegate/casegate/graph/model"
	"github.com/casegate/casegate/internal/relay"
)

// pageCost prices a connection field as its page size times what one node costs, so the complexity
// limit bounds what a query really asks the database for.
func pageCost(child int, first *int) int {
	n := relay.DefaultFirst
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + child*n
}

// NewConfig is the gqlgen configuration with casegate's resolvers and complexity functions.
func NewConfig(r *Resolver) Config {
	c := Config{Resolvers: r}
	c.Complexity.Query.Users = func(child int, _ *model.UserFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.Groups = func(child int, _ *string, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.Positions = func(child int, _ *string, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.AuditLog = func(child int, _ *model.AuditFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.OutboxMessages = func(child int, _ *model.OutboxStatus, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Group.Members = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Position.Children = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.Cases = func(child int, _ *model.CaseFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.MyTasks = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.Documents = func(child int, _ *model.DocumentFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Case.Comments = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Document.Comments = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	return c
}
