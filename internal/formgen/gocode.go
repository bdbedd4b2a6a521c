package formgen

import (
	"bytes"
	"fmt"
	"go/format"
	"strconv"
	"strings"

	"github.com/casegate/casegate/internal/access"
)

// goModeNames are the Go names of access.Mode values.
var goModeNames = map[access.Mode]string{
	access.ModeUnset: "access.ModeUnset",
	access.Required:  "access.Required",
	access.Modify:    "access.Modify",
	access.ReadOnly:  "access.ReadOnly",
	access.Hidden:    "access.Hidden",
	access.AsSection: "access.AsSection",
}

func goMode(m access.Mode) string {
	if n, ok := goModeNames[m]; ok {
		return n
	}
	panic(fmt.Sprintf("formgen: no Go name for mode %d", m))
}

var goFieldTypes = map[string]string{
	"STRING": "forms.String", "DECIMAL": "forms.Decimal", "DATE": "forms.Date",
	"INT": "forms.Int", "FLOAT": "forms.Float", "BOOLEAN": "forms.Boolean",
}

type goWriter struct{ bytes.Buffer }

func (w *goWriter) p(format string, a ...any) { fmt.Fprintf(&w.Buffer, format, a...) }

func (w *goWriter) imports(paths ...string) {
	var std, other []string
	for _, p := range paths {
		if strings.Contains(p, ".") {
			other = append(other, p)
		} else {
			std = append(std, p)
		}
	}
	if len(paths) == 0 {
		return
	}
	w.p("import (\n")
	for _, p := range std {
		w.p("\t%q\n", p)
	}
	if len(std) > 0 && len(other) > 0 {
		w.p("\n")
	}
	for _, p := range other {
		w.p("\t%q\n", p)
	}
	w.p(")\n\n")
}

func (w *goWriter) gofmt(name string) ([]byte, error) {
	out, err := format.Source(w.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formgen: %s does not format: %w\n%s", name, err, w.Bytes())
	}
	return out, nil
}

func exceptionsGo(ex []access.StageMode) string {
	if len(ex) == 0 {
		return ""
	}
	items := make([]string, len(ex))
	for i, e := range ex {
		s := "{Stage: " + strconv.Quote(e.Stage)
		if e.Internal != access.ModeUnset {
			s += ", Internal: " + goMode(e.Internal)
		}
		if e.External != access.ModeUnset {
			s += ", External: " + goMode(e.External)
		}
		items[i] = s + "}"
	}
	return "[]access.StageMode{" + strings.Join(items, ", ") + "}"
}

// RegistryGo renders internal/procedures/registry_gen.go.
func (r *Result) RegistryGo() ([]byte, error) {
	w := &goWriter{}
	w.p("// %s\n\npackage procedures\n\n", Header)
	if len(r.Procedures) > 0 {
		w.imports(r.Module+"/internal/access", r.Module+"/internal/forms")
	} else {
		w.imports(r.Module + "/internal/forms")
	}
	w.p("// Registry holds the procedures of schema/procedures, sorted by key, with the default modes of\n")
	w.p("// their sections and fields as the schema's directives give them.\n")
	w.p("var Registry = forms.NewRegistry(\n")
	for _, p := range r.Procedures {
		quoted := make([]string, len(p.Stages))
		for i, s := range p.Stages {
			quoted[i] = strconv.Quote(s)
		}
		w.p("\t// %s\n", p.File)
		w.p("\t&forms.Procedure{\n")
		w.p("\t\tKey: %q,\n\t\tName: %q,\n\t\tTypeName: %q,\n", p.Key, p.Name, p.TypeName)
		w.p("\t\tStages: []string{%s},\n", strings.Join(quoted, ", "))
		w.p("\t\tExternalCreate: %t,\n\t\tKeepAccessAfterTask: %t,\n", p.ExternalCreate, p.KeepAccessAfterTask)
		w.p("\t\tSections: []*forms.Section{\n")
		for _, s := range p.Sections {
			w.p("\t\t\t{\n")
			w.p("\t\t\t\tKey: %q, Name: %q, TypeName: %q,\n", s.Key, s.Name, s.TypeName)
			w.p("\t\t\t\tInternal: %s, External: %s,\n", goMode(s.Internal), goMode(s.External))
			if ex := exceptionsGo(s.Exceptions); ex != "" {
				w.p("\t\t\t\tExceptions: %s,\n", ex)
			}
			w.p("\t\t\t\tFields: []*forms.Field{\n")
			for _, f := range s.Fields {
				w.p("\t\t\t\t\t{Key: %q, Name: %q, GoName: %q, Type: %s, Internal: %s, External: %s",
					f.Key, f.Name, f.GoName, goFieldTypes[string(f.Type)], goMode(f.Internal), goMode(f.External))
				if ex := exceptionsGo(f.Exceptions); ex != "" {
					w.p(",\n\t\t\t\t\t\tExceptions: %s", ex)
				}
				w.p("},\n")
			}
			w.p("\t\t\t\t},\n")
			w.p("\t\t\t},\n")
		}
		w.p("\t\t},\n")
		w.p("\t},\n")
	}
	w.p(")\n")
	return w.gofmt(RegistryFile)
}

// TypesGo renders internal/procedures/types_gen.go: the Go types gqlgen autobinds the procedure
// and section types to.
func (r *Result) TypesGo() ([]byte, error) {
	w := &goWriter{}
	w.p("// %s\n\npackage procedures\n\n", Header)
	usesTime := false
	for _, p := range r.Procedures {
		for _, s := range p.Sections {
			for _, f := range s.Fields {
				usesTime = usesTime || kindOf(f.Type).GoType == "*time.Time"
			}
		}
	}
	switch {
	case len(r.Procedures) == 0:
	case usesTime:
		w.imports("context", "time", r.Module+"/internal/cases")
	default:
		w.imports("context", r.Module+"/internal/cases")
	}
	for _, p := range r.Procedures {
		t := p.TypeName
		w.p("// %s is a case of %s as one principal sees it.\n// Procedure %s, %s.\n", t, strconv.Quote(p.Name), p.Key, p.File)
		w.p("type %s struct{ *cases.Form }\n\n", t)
		w.p("// New%s wraps a form.\n", t)
		w.p("func New%[1]s(f *cases.Form) *%[1]s { return &%[1]s{Form: f} }\n\n", t)
		w.p("// As%s wraps a service result.\n", t)
		w.p("func As%[1]s(f *cases.Form, err error) (*%[1]s, error) {\n", t)
		w.p("\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn New%s(f), nil\n}\n\n", t)
		for si, s := range p.Sections {
			method := sectionMethod(s)
			w.p("// %s is the section %s; nil when hidden.\n", method, strconv.Quote(s.Name))
			w.p("func (p *%s) %s(ctx context.Context) *%s {\n", t, method, s.TypeName)
			w.p("\ts := p.Section(ctx, %d)\n\tif s == nil {\n\t\treturn nil\n\t}\n", si)
			w.p("\treturn &%s{\n", s.TypeName)
			for fi, f := range s.Fields {
				w.p("\t\t%s: s.%s(%d),\n", f.GoName, kindOf(f.Type).Getter, fi)
			}
			w.p("\t}\n}\n\n")
		}
		for _, s := range p.Sections {
			w.p("// %s holds the visible values of section %s of %s.\n// A hidden field is nil.\n",
				s.TypeName, strconv.Quote(s.Name), strconv.Quote(p.Name))
			w.p("type %s struct {\n", s.TypeName)
			for _, f := range s.Fields {
				w.p("\t%s %s // %s\n", f.GoName, kindOf(f.Type).GoType, oneLine(f.Name))
			}
			w.p("}\n\n")
		}
	}
	return w.gofmt(TypesFile)
}

// sectionMethod is the Go method gqlgen binds a section field to.
func sectionMethod(s *Section) string { return goName(s.Key) }
