package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

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
	c.Complexity.Query.Projects = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	// A project's cases are a list query of their own, one per project: priced as a load.
	c.Complexity.Project.Cases = func(child int, first *int, _ *string) int { return loadCost + pageCost(child, first) }
	c.Complexity.Query.MyTasks = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Query.Documents = func(child int, _ *model.DocumentFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Case.Comments = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Complexity.Document.Comments = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	return c
}

// loadCost is what a root field that loads one object by id (case, document, user, a procedure's
// typed case, an explanation of access to a case, …) or writes costs beside its selection. Each is
// a separate load with its own access decision (a write also its transaction and locks), not a row
// of a batch: a page of cases costs about what one case by id does. At the default
// --max-complexity of 20000 a document may ask for about 190 of them; a document that repeats
// case(id) or addComment a thousand times under aliases is refused before any resolver runs, with
// the limit's usual BAD_USER_INPUT and extensions.limit COMPLEXITY.
const loadCost = 100

// NewSchema is the executable schema with casegate's resolvers and complexity functions, root
// fields that load an object by id, and every mutation, priced at loadCost.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	es := NewExecutableSchema(NewConfig(r))
	schema := es.Schema()
	loads := map[string]bool{}
	for _, root := range []string{"Query", "Mutation"} {
		def := schema.Types[root]
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			if root == "Mutation" || namesAnID(schema, f.Arguments) {
				loads[root+"."+f.Name] = true
			}
		}
	}
	return pricedSchema{ExecutableSchema: es, loads: loads, byArguments: pricedByArguments(es)}
}

// pricedByArguments lists the fields ("Type.field") whose complexity function reads their
// arguments: the fields with arguments and a complexity function of their own. The generated
// Complexity parses a field's arguments only when it has a function, and a missing argument
// parses to its zero value, so asking it with no arguments answers ok exactly for those. A field
// of an interface is listed when the field of any type implementing it is, as gqlgen prices it
// at the dearest of them.
func pricedByArguments(es graphql.ExecutableSchema) map[string]bool {
	schema := es.Schema()
	priced := map[string]bool{}
	for _, def := range schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			if len(f.Arguments) == 0 {
				continue
			}
			if _, ok := es.Complexity(context.Background(), def.Name, f.Name, 0, map[string]any{}); ok {
				priced[def.Name+"."+f.Name] = true
			}
		}
	}
	for _, def := range schema.Types {
		if def.Kind != ast.Interface {
			continue
		}
		for _, f := range def.Fields {
			for _, t := range schema.GetPossibleTypes(def) {
				if priced[t.Name+"."+f.Name] {
					priced[def.Name+"."+f.Name] = true
				}
			}
		}
	}
	return priced
}

// namesAnID tells whether a root field names an object it loads: an argument of type ID, nullable
// or not, alone or in a list, or inside an input object. The rule is the schema's, so generated
// per-procedure fields are priced like case(id) without a line here.
func namesAnID(schema *ast.Schema, args ast.ArgumentDefinitionList) bool {
	seen := map[string]bool{}
	var holdsID func(t *ast.Type) bool
	holdsID = func(t *ast.Type) bool {
		for t.Elem != nil {
			t = t.Elem
		}
		if t.NamedType == "ID" {
			return true
		}
		def := schema.Types[t.NamedType]
		if def == nil || def.Kind != ast.InputObject || seen[def.Name] {
			return false
		}
		seen[def.Name] = true
		for _, f := range def.Fields {
			if holdsID(f.Type) {
				return true
			}
		}
		return false
	}
	for _, a := range args {
		if holdsID(a.Type) {
			return true
		}
	}
	return false
}

// pricedSchema adds loadCost to the complexity of the root fields in loads.
type pricedSchema struct {
	graphql.ExecutableSchema
	loads       map[string]bool
	byArguments map[string]bool
}

// PricedByArguments tells whether the complexity of typeName.field depends on the field's
// arguments (a page's size). A document in which no variable reaches such an argument costs the
// same whatever its variables, so the limits may remember its cost (root fields that load an
// object by id cost loadCost whatever the id).
func (s pricedSchema) PricedByArguments(typeName, field string) bool {
	return s.byArguments[typeName+"."+field]
}

func (s pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	c, ok := s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
	if typeName != "Query" && typeName != "Mutation" || !s.loads[typeName+"."+field] {
		return c, ok
	}
	if !ok {
		c = child + 1 // gqlgen's default
	}
	return c + loadCost, true
}
