package app_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/gqltest"
)

// idArguments lists the arguments of the executable schema's root fields that hold an ID,
// directly, in a list or in an input object, as "Query.case(id)".
func idArguments(s *ast.Schema) []string {
	var takesID func(t *ast.Type, seen map[string]bool) bool
	takesID = func(t *ast.Type, seen map[string]bool) bool {
		for t.Elem != nil {
			t = t.Elem
		}
		if t.NamedType == "ID" {
			return true
		}
		d := s.Types[t.NamedType]
		if d == nil || d.Kind != ast.InputObject || seen[d.Name] {
			return false
		}
		seen[d.Name] = true
		for _, f := range d.Fields {
			if takesID(f.Type, seen) {
				return true
			}
		}
		return false
	}
	var out []string
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		for _, f := range root.Fields {
			for _, a := range f.Arguments {
				if takesID(a.Type, map[string]bool{}) {
					out = append(out, root.Name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
	}
	return out
}

// rowArgument names the argument of a row's root field that holds $id, as idArguments does.
func rowArgument(s *ast.Schema, doc string) (string, error) {
	q, err := gqlparser.LoadQueryWithRules(s, doc, nil)
	if err != nil {
		return "", err
	}
	op := q.Operations[0]
	root := s.Query
	if op.Operation == ast.Mutation {
		root = s.Mutation
	}
	field := op.SelectionSet[0].(*ast.Field)
	var uses func(v *ast.Value) bool
	uses = func(v *ast.Value) bool {
		if v.Kind == ast.Variable && v.Raw == "id" {
			return true
		}
		return slices.ContainsFunc(v.Children, func(c *ast.ChildValue) bool { return uses(c.Value) })
	}
	for _, a := range field.Arguments {
		if uses(a.Value) {
			return root.Name + "." + field.Name + "(" + a.Name + ")", nil
		}
	}
	return "", fmt.Errorf("no argument of %s holds $id", field.Name)
}

// TestEveryIDArgumentHasARow: every argument of a query or mutation that holds an id (so every
// operation that takes one) needs a row in idRows, so that TestUnreadableAndUnknownIDsAnswerAlike
// covers a new operation or argument as soon as the schema has it.
func TestEveryIDArgumentHasARow(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	args := idArguments(s)
	if len(args) < 50 {
		t.Fatalf("only %d id arguments found in the schema: %v", len(args), args)
	}
	covered := map[string]bool{}
	for _, r := range idRows() {
		arg, err := rowArgument(s, r.doc)
		if err != nil {
			t.Errorf("row %s: %v", r.doc, err)
			continue
		}
		if !slices.Contains(args, arg) {
			t.Errorf("row for %s, which holds no id", arg)
		}
		covered[arg] = true
	}
	for _, a := range args {
		if !covered[a] {
			t.Errorf("%s holds an id but has no row in idRows", a)
		}
	}
}

// TestUnreadableAndUnknownIDsAnswerAlike: for every operation that takes an id, an object that
// exists but that the caller may not read and one that does not exist (a fresh uuid, a malformed
// id) get byte-identical responses: the same errors, messages, extensions and data.
func TestUnreadableAndUnknownIDsAnswerAlike(t *testing.T) {
	s := gqltest.Start(t)
	w := newLeakWorld(t, s)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	send := func(c *gqltest.Client, r idRow, id string) *gqltest.Response {
		vars := map[string]any{"id": id}
		if r.vars != nil {
			for k, v := range r.vars(w) {
				vars[k] = v
			}
		}
		if r.upload {
			return uploadFile(t, c, r.doc, vars, "x.txt", "text/plain", []byte("x"))
		}
		return c.Do(r.doc, vars)
	}
	for _, r := range idRows() {
		op, err := rowArgument(schema, r.doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"employee", "temporary", "external", "anonymous"} {
			if r.employeesRead && kind == "employee" {
				continue
			}
			c := w.callers[kind]
			hidden := send(c, r, r.hidden(w))
			if reason := hiddenReason(hidden); reason != "" {
				t.Errorf("%s as %s: the document itself is refused (%s): %s", op, kind, reason, hidden.Raw)
			}
			for _, unknown := range []string{"00000000-0000-4000-8000-000000000000", "not-an-id"} {
				if other := send(c, r, unknown); !bytes.Equal(hidden.Raw, other.Raw) || hidden.Status != other.Status {
					t.Errorf("%s as %s: an unreadable object answers %d %s\nan unknown id (%s) answers %d %s",
						op, kind, hidden.Status, hidden.Raw, unknown, other.Status, other.Raw)
				}
			}
		}
	}
	// Downloads take an attachment's id in the path.
	for kind, c := range w.callers {
		if kind == "anonymous" {
			c = nil
		}
		for _, file := range []string{w.documentFile, w.caseFile} {
			res, hidden := fetchAttachment(t, s, c, "/attachments/"+file)
			for _, unknown := range []string{"00000000-0000-4000-8000-000000000000", "not-an-id"} {
				other, body := fetchAttachment(t, s, c, "/attachments/"+unknown)
				if res.StatusCode != other.StatusCode || !bytes.Equal(hidden, body) {
					t.Errorf("download as %s: an unreadable attachment answers %d %s\nan unknown id (%s) answers %d %s",
						kind, res.StatusCode, hidden, unknown, other.StatusCode, body)
				}
			}
		}
	}
}

// hiddenReason is the reason of a parse or validation error, which would answer before any id is
// looked up and make a row prove nothing.
func hiddenReason(r *gqltest.Response) string {
	for _, e := range r.Errors {
		if reason, _ := e.Extensions["reason"].(string); reason != "" {
			return reason
		}
	}
	return ""
}
