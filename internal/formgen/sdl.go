package formgen

import (
	"fmt"
	"strings"
)

// SDL renders schema/generated/forms.graphqls.
func (r *Result) SDL() []byte {
	var b strings.Builder
	b.WriteString("# " + Header + "\n")
	b.WriteString("# Source: the @procedure types of schema/procedures/*.graphqls; run `go generate ./...`.\n")
	for _, p := range r.Procedures {
		writeProcedureSDL(&b, p)
	}
	return []byte(b.String())
}

func writeProcedureSDL(b *strings.Builder, p *Procedure) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	desc := func(indent, s string) {
		if s != "" {
			w("%s%s\n", indent, gqlString(s, indent))
		}
	}

	w("\n# %s (%s): %s\n\n", p.Key, p.File, p.Name)

	w("extend type %s {\n", p.TypeName)
	desc("  ", "The case's id.")
	w("  id: ID!\n")
	desc("  ", "The case the form belongs to.")
	w("  case: Case!\n")
	w("}\n\n")

	desc("", cmpOr(p.Description, p.Name))
	w("input %s @goModel(model: \"map[string]interface{}\") {\n", p.inputName())
	for _, s := range p.Sections {
		desc("  ", joinDesc(s.Name, s.FieldDescription))
		w("  %s: %s\n", s.Key, s.inputName())
	}
	w("}\n")
	for _, s := range p.Sections {
		w("\n")
		desc("", cmpOr(s.Description, s.Name))
		w("input %s @goModel(model: \"map[string]interface{}\") {\n", s.inputName())
		for _, f := range s.Fields {
			desc("  ", joinDesc(f.Name, f.Description))
			w("  %s: %s\n", f.Key, kindOf(f.Type).GraphQL)
		}
		w("}\n")
	}
	w("\n")

	w("type %s { cursor: String!  node: %s! }\n", p.edgeName(), p.TypeName)
	w("type %s { edges: [%s!]!  pageInfo: PageInfo! }\n\n", p.connectionName(), p.edgeName())

	w("extend type Query {\n")
	desc("  ", p.Name+": one case by id (NOT_FOUND when the caller may not read it).")
	w("  %s(id: ID!): %s!\n", p.queryName(), p.TypeName)
	desc("  ", p.Name+": the cases of this procedure the caller may read, newest first.")
	w("  %s(first: Int, after: String): %s!\n", p.listName(), p.connectionName())
	w("}\n\n")

	w("extend type Mutation {\n")
	desc("  ", p.Name+": start a case at stage "+p.FirstStage()+" with these form values.")
	w("  %s(input: %s!, title: String, projectId: ID, clientId: ID, positionId: ID, assigneeIds: [ID!]): %s!\n",
		p.createName(), p.inputName(), p.TypeName)
	desc("  ", p.Name+": set form values of a case.")
	w("  %s(id: ID!, input: %s!): %s!\n", p.updateName(), p.inputName(), p.TypeName)
	w("}\n")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// joinDesc is a field's label followed by its own description, if any.
func joinDesc(name, description string) string {
	if description == "" || description == name {
		return name
	}
	return name + ": " + description
}

// gqlString quotes s as a GraphQL string, or a block string when it spans lines.
func gqlString(s, indent string) string {
	if strings.Contains(s, "\n") {
		s = strings.ReplaceAll(s, `"""`, `\"""`)
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = indent + l
			}
		}
		return "\"\"\"\n" + strings.Join(lines, "\n") + "\n" + indent + "\"\"\""
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
