package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// CaseReadID is the id of the one case an operation reads, when every root field of it reads that
// case by its id: case(id) and the procedures' typed queries (serviceRequest(id) …), which is what a
// case page asks for. The server then reads the case with the request's principal, in one
// statement (cases.Service.AuthenticateReading); any other operation is not recognised (ok false).
func (r *Resolver) CaseReadID(oc *graphql.OperationContext) (id string, ok bool) {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return "", false
	}
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
		if f.Name == "__typename" {
			continue
		}
		if f.Definition == nil || len(f.Definition.Arguments) != 1 || f.Definition.Arguments[0].Name != "id" ||
			!r.readsCase(f.Definition.Type.Name()) {
			return "", false
		}
		v, isString := f.ArgumentMap(oc.Variables)["id"].(string)
		if !isString || (id != "" && v != id) {
			return "", false
		}
		id = v
	}
	return id, id != ""
}

// readsCase tells whether a field of this type is a case: Case or a procedure's typed case.
func (r *Resolver) readsCase(typeName string) bool {
	if typeName == "Case" {
		return true
	}
	for _, p := range r.CaseService.Registry.All() {
		if p.TypeName == typeName {
			return true
		}
	}
	return false
}
