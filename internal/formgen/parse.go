package formgen

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
)

// SourceGlobs are the schema files formgen reads, relative to the root. The generated SDL
// (schema/generated) is not among them.
var SourceGlobs = []string{"schema/*.graphqls", "schema/procedures/*.graphqls"}

// Sources reads the schema files under root; each source is named by its slash-separated path
// relative to root, so errors read schema/procedures/<key>.graphqls:<line>.
func Sources(root string) ([]*ast.Source, error) {
	var out []*ast.Source
	for _, g := range SourceGlobs {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(g)))
		if err != nil {
			return nil, err
		}
		slices.Sort(matches)
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				return nil, err
			}
			rel, err := filepath.Rel(root, m)
			if err != nil {
				return nil, err
			}
			out = append(out, &ast.Source{Name: filepath.ToSlash(rel), Input: string(b)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("formgen: no schema files match %s under %s", strings.Join(SourceGlobs, ", "), root)
	}
	return out, nil
}

// fieldKind is a form field type: its GraphQL scalar, registry type, Go type and SectionView getter.
type fieldKind struct {
	GraphQL string
	Type    forms.FieldType
	GoType  string
	Getter  string
}

var fieldKinds = []fieldKind{
	{"String", forms.String, "*string", "String"},
	{"Decimal", forms.Decimal, "*string", "String"},
	{"Date", forms.Date, "*time.Time", "Date"},
	{"Int", forms.Int, "*int", "Int"},
	{"Float", forms.Float, "*float64", "Float"},
	{"Boolean", forms.Boolean, "*bool", "Bool"},
}

func kindOf(t forms.FieldType) fieldKind {
	for _, k := range fieldKinds {
		if k.Type == t {
			return k
		}
	}
	panic("formgen: unknown field type " + string(t))
}

func kindByGraphQL(name string) (fieldKind, bool) {
	for _, k := range fieldKinds {
		if k.GraphQL == name {
			return k, true
		}
	}
	return fieldKind{}, false
}

var (
	kebabCase      = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	lowerCamelCase = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	pascalCase     = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
	stageName      = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// reservedSections are names a section may not take: the generated id and case fields, and the
// members of the embedded *cases.Form that gqlgen would bind or Go would shadow.
var reservedSections = []string{"id", "case", "form", "decision", "procedure", "section"}

// Parse loads the schema sources with gqlparser and reads and validates every @procedure type.
// Every problem found is reported, as Errors naming file:line.
func Parse(sources []*ast.Source) (*Result, error) {
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return nil, schemaError(err)
	}
	p := &schemaReader{schema: schema, sectionUse: map[string]*ast.FieldDefinition{}}
	return p.parse()
}

// Load reads the sources under root and parses them.
func Load(root string) (*Result, error) {
	sources, err := Sources(root)
	if err != nil {
		return nil, err
	}
	res, err := Parse(sources)
	if err != nil {
		return nil, err
	}
	res.Module = modulePath(root)
	return res, nil
}

func schemaError(err error) error {
	var list gqlerror.List
	if errors.As(err, &list) && len(list) > 0 {
		out := make(Errors, len(list))
		for i, e := range list {
			out[i] = fromGQLError(e)
		}
		return out
	}
	var one *gqlerror.Error
	if errors.As(err, &one) {
		return Errors{fromGQLError(one)}
	}
	return err
}

func fromGQLError(e *gqlerror.Error) *Error {
	out := &Error{Msg: e.Message}
	out.File, _ = e.Extensions["file"].(string)
	if len(e.Locations) > 0 {
		out.Line = e.Locations[0].Line
	}
	return out
}

// modulePath reads the module path from root/go.mod.
func modulePath(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return DefaultModule
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return DefaultModule
}

type schemaReader struct {
	schema     *ast.Schema
	errs       errorList
	sectionUse map[string]*ast.FieldDefinition // section type → the procedure field that holds it
	sectionOf  map[string]string               // section type → procedure key, for messages
}

func (p *schemaReader) parse() (*Result, error) {
	p.sectionOf = map[string]string{}
	defs := make([]*ast.Definition, 0, len(p.schema.Types))
	for _, d := range p.schema.Types {
		if !d.BuiltIn {
			defs = append(defs, d)
		}
	}
	slices.SortFunc(defs, func(a, b *ast.Definition) int {
		return cmp.Or(comparePos(a.Position, b.Position), cmp.Compare(a.Name, b.Name))
	})

	res := &Result{Module: DefaultModule}
	keys := map[string][]*Procedure{}
	for _, def := range defs {
		dirs := def.Directives.ForNames("procedure")
		if len(dirs) == 0 {
			continue
		}
		if len(dirs) > 1 {
			p.errs.add(dirs[1].Position, "type %s has more than one @procedure", def.Name)
		}
		proc := p.procedure(def, dirs[0])
		if proc == nil {
			continue
		}
		keys[proc.Key] = append(keys[proc.Key], proc)
		res.Procedures = append(res.Procedures, proc)
	}
	for _, proc := range res.Procedures {
		for _, other := range keys[proc.Key] {
			if other != proc {
				p.errs.add(p.schema.Types[proc.TypeName].Directives.ForName("procedure").Position,
					"duplicate procedure key %q: type %s uses it too (%s:%d)", proc.Key, other.TypeName, other.File, other.Line)
			}
		}
	}

	for _, def := range defs {
		sections := def.Directives.ForNames("section")
		if len(sections) > 1 {
			p.errs.add(sections[1].Position, "type %s has more than one @section", def.Name)
		}
		if len(sections) > 0 && p.sectionUse[def.Name] == nil {
			p.errs.add(def.Position, "section type %s is not used by any procedure: make it the type of a field of a @procedure type, or remove it", def.Name)
		}
		if len(sections) > 0 && len(def.Directives.ForNames("procedure")) > 0 {
			p.errs.add(def.Position, "type %s is marked both @procedure and @section", def.Name)
		}
		if len(sections) == 0 {
			for _, f := range def.Fields {
				if d := f.Directives.ForName("field"); d != nil {
					p.errs.add(d.Position, "@field on %s.%s, but %s is not a @section type", def.Name, f.Name, def.Name)
				}
			}
		}
	}

	slices.SortFunc(res.Procedures, func(a, b *Procedure) int { return cmp.Compare(a.Key, b.Key) })
	p.checkNames(res.Procedures)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return res, nil
}

func comparePos(a, b *ast.Position) int {
	if a == nil || b == nil || a.Src == nil || b.Src == nil {
		return 0
	}
	return cmp.Or(cmp.Compare(a.Src.Name, b.Src.Name), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

func posString(pos *ast.Position) string {
	if pos == nil || pos.Src == nil {
		return "?"
	}
	return fmt.Sprintf("%s:%d", pos.Src.Name, pos.Line)
}

func (p *schemaReader) procedure(def *ast.Definition, dir *ast.Directive) *Procedure {
	a := args{p: p, dir: dir, where: "procedure " + def.Name}
	ok := true
	if !pascalCase.MatchString(def.Name) {
		p.errs.add(def.Position, "procedure type %s: the name must be PascalCase (letters and digits, starting with a capital)", def.Name)
		ok = false
	}
	key, keyPos := a.str("key")
	if !kebabCase.MatchString(key) {
		p.errs.add(keyPos, "procedure %s: key %q is not kebab-case (e.g. \"salary-change\")", def.Name, key)
		ok = false
	}
	name, _ := a.str("name")
	if name == "" {
		name = key
	}
	proc := &Procedure{
		Procedure: &forms.Procedure{
			Key:                 key,
			Name:                name,
			TypeName:            def.Name,
			Stages:              p.stages(def, a),
			ExternalCreate:      a.boolean("externalCreate"),
			KeepAccessAfterTask: a.boolean("keepAccessAfterTask"),
		},
		Description: def.Description,
		File:        def.Position.Src.Name,
		Line:        def.Position.Line,
	}
	seen := map[string]*ast.FieldDefinition{}
	for _, f := range def.Fields {
		s := p.section(proc, f)
		if s == nil {
			ok = false
			continue
		}
		if first := seen[strings.ToLower(s.Key)]; first != nil {
			p.errs.add(f.Position, "procedure %s: duplicate section key %q: section %s (%s) differs only in case, and gqlgen binds Go names case-insensitively",
				key, s.Key, first.Name, posString(first.Position))
			ok = false
			continue
		}
		seen[strings.ToLower(s.Key)] = f
		proc.Sections = append(proc.Sections, s)
		proc.Procedure.Sections = append(proc.Procedure.Sections, s.Section)
	}
	if !ok || a.failed {
		return nil
	}
	return proc
}

func (p *schemaReader) stages(def *ast.Definition, a args) []string {
	v := a.value("stages")
	items := listItems(v)
	if len(items) == 0 {
		p.errs.add(a.pos(v), "procedure %s: stages are empty; list them in order, e.g. stages: [\"DRAFT\", \"DONE\"]", def.Name)
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		s, ok := stringValue(it)
		switch {
		case !ok:
			p.errs.add(a.pos(it), "procedure %s: a stage must be a string", def.Name)
		case s == "":
			p.errs.add(a.pos(it), "procedure %s: empty stage name", def.Name)
		case !stageName.MatchString(s):
			p.errs.add(a.pos(it), "procedure %s: stage %q must be UPPER_SNAKE_CASE", def.Name, s)
		case seen[s]:
			p.errs.add(a.pos(it), "procedure %s: duplicate stage %q", def.Name, s)
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (p *schemaReader) section(proc *Procedure, f *ast.FieldDefinition) *Section {
	where := fmt.Sprintf("procedure %s: section %s", proc.TypeName, f.Name)
	ok := true
	if !lowerCamelCase.MatchString(f.Name) {
		p.errs.add(f.Position, "%s: the section key %q must be lowerCamelCase", where, f.Name)
		ok = false
	}
	if slices.Contains(reservedSections, strings.ToLower(f.Name)) {
		p.errs.add(f.Position, "%s: %q is reserved (%s); choose another name", where, f.Name, strings.Join(reservedSections, ", "))
		ok = false
	}
	if len(f.Arguments) > 0 {
		p.errs.add(f.Position, "%s: a section field takes no arguments", where)
		ok = false
	}
	if f.Type.NonNull {
		p.errs.add(f.Position, "%s: the section must be nullable (a hidden section resolves to null): write %s, not %s",
			where, strings.TrimSuffix(f.Type.String(), "!"), f.Type.String())
		ok = false
	}
	def := p.schema.Types[f.Type.NamedType]
	if f.Type.Elem != nil || def == nil || def.Kind != ast.Object || def.Directives.ForName("section") == nil {
		p.errs.add(f.Position, "%s: the type %s is not an object type marked @section", where, f.Type.String())
		return nil
	}
	if first := p.sectionUse[def.Name]; first != nil {
		p.errs.add(f.Position, "%s: section type %s is already used by procedure %q (%s); each section type belongs to one procedure field",
			where, def.Name, p.sectionOf[def.Name], posString(first.Position))
		return nil
	}
	p.sectionUse[def.Name] = f
	p.sectionOf[def.Name] = proc.Key
	if !pascalCase.MatchString(def.Name) {
		p.errs.add(def.Position, "section type %s: the name must be PascalCase", def.Name)
		ok = false
	}

	dir := def.Directives.ForName("section")
	a := args{p: p, dir: dir, where: "section type " + def.Name}
	if v := a.explicit("key"); v != nil {
		if key, _ := stringValue(v); key != f.Name {
			p.errs.add(a.pos(v), "section type %s: @section key %q differs from the field that holds it (%s.%s); the key is the field's name, so drop key or rename the field",
				def.Name, key, proc.TypeName, f.Name)
			ok = false
		}
	}
	name, _ := a.str("name")
	if name == "" {
		name = f.Name
	}
	s := &Section{
		Section: &forms.Section{
			Key:        f.Name,
			Name:       name,
			TypeName:   def.Name,
			Internal:   a.mode("internal", false),
			External:   a.mode("external", false),
			Exceptions: a.exceptions(proc, false),
		},
		Description:      def.Description,
		FieldDescription: f.Description,
	}
	seen := map[string]*ast.FieldDefinition{}
	for _, ff := range def.Fields {
		fld := p.field(def, ff, proc)
		if fld == nil {
			ok = false
			continue
		}
		if first := seen[strings.ToLower(fld.Key)]; first != nil {
			p.errs.add(ff.Position, "section type %s: duplicate field key %q: field %s (%s) differs only in case, and gqlgen binds Go names case-insensitively",
				def.Name, fld.Key, first.Name, posString(first.Position))
			ok = false
			continue
		}
		seen[strings.ToLower(fld.Key)] = ff
		s.Fields = append(s.Fields, fld)
		s.Section.Fields = append(s.Section.Fields, fld.Field)
	}
	if !ok || a.failed {
		return nil
	}
	return s
}

func (p *schemaReader) field(def *ast.Definition, f *ast.FieldDefinition, proc *Procedure) *Field {
	where := fmt.Sprintf("section type %s: field %s", def.Name, f.Name)
	dir := f.Directives.ForName("field")
	if dir == nil {
		p.errs.add(f.Position, "%s has no @field directive; every field of a @section type is a form field", where)
		return nil
	}
	if len(f.Directives.ForNames("field")) > 1 {
		p.errs.add(f.Directives.ForNames("field")[1].Position, "%s has more than one @field", where)
		return nil
	}
	ok := true
	if !lowerCamelCase.MatchString(f.Name) {
		p.errs.add(f.Position, "%s: the field key %q must be lowerCamelCase", where, f.Name)
		ok = false
	}
	if len(f.Arguments) > 0 {
		p.errs.add(f.Position, "%s: a form field takes no arguments", where)
		ok = false
	}
	if f.Type.NonNull {
		p.errs.add(f.Position, "%s: the field must be nullable (a hidden field resolves to null): write %s, not %s",
			where, strings.TrimSuffix(f.Type.String(), "!"), f.Type.String())
		ok = false
	}
	kind, known := kindByGraphQL(f.Type.NamedType)
	if f.Type.Elem != nil || !known {
		p.errs.add(f.Position, "%s: unsupported type %s; a form field is one of String, Decimal, Date, Int, Float, Boolean", where, f.Type.String())
		ok = false
	}
	a := args{p: p, dir: dir, where: where}
	if v := a.explicit("key"); v != nil {
		if key, _ := stringValue(v); key != f.Name {
			p.errs.add(a.pos(v), "%s: @field key %q differs from the field's name; the key is the field's name, so drop key or rename the field", where, key)
			ok = false
		}
	}
	name, _ := a.str("name")
	if name == "" {
		name = f.Name
	}
	fld := &Field{
		Field: &forms.Field{
			Key:        f.Name,
			Name:       name,
			GoName:     goName(f.Name),
			Type:       kind.Type,
			Internal:   a.mode("internal", true),
			External:   a.mode("external", true),
			Exceptions: a.exceptions(proc, true),
		},
		Description: f.Description,
	}
	if !ok || a.failed {
		return nil
	}
	return fld
}

// checkNames reports generated names that collide with the hand-written schema or each other.
func (p *schemaReader) checkNames(procs []*Procedure) {
	types := map[string]string{}
	query := map[string]string{}
	mutation := map[string]string{}
	goNames := map[string]string{"Registry": "the registry variable"}
	if p.schema.Types["Registry"] != nil {
		p.errs.add(p.schema.Types["Registry"].Position, "type Registry would bind to the variable procedures.Registry (gqlgen autobind); rename the type")
	}
	pos := func(proc *Procedure) *ast.Position {
		return p.schema.Types[proc.TypeName].Position
	}
	claim := func(set map[string]string, existing func(string) bool, kind, name string, proc *Procedure) {
		switch {
		case existing != nil && existing(name):
			p.errs.add(pos(proc), "procedure %s: the generated %s %s already exists in the schema", proc.Key, kind, name)
		case set[name] != "":
			p.errs.add(pos(proc), "procedure %s: the generated %s %s collides with %s", proc.Key, kind, name, set[name])
		default:
			set[name] = fmt.Sprintf("the %s of procedure %s", kind, proc.Key)
		}
	}
	typeExists := func(n string) bool { return p.schema.Types[n] != nil }
	fieldExists := func(def *ast.Definition) func(string) bool {
		return func(n string) bool { return def != nil && def.Fields.ForName(n) != nil }
	}
	for _, proc := range procs {
		claim(types, typeExists, "type", proc.inputName(), proc)
		claim(types, typeExists, "type", proc.edgeName(), proc)
		claim(types, typeExists, "type", proc.connectionName(), proc)
		for _, s := range proc.Sections {
			claim(types, typeExists, "type", s.inputName(), proc)
		}
		claim(query, fieldExists(p.schema.Query), "Query field", proc.queryName(), proc)
		claim(query, fieldExists(p.schema.Query), "Query field", proc.listName(), proc)
		claim(mutation, fieldExists(p.schema.Mutation), "Mutation field", proc.createName(), proc)
		claim(mutation, fieldExists(p.schema.Mutation), "Mutation field", proc.updateName(), proc)
		// gqlgen autobinds every GraphQL type to a same-named Go declaration of internal/procedures.
		claim(goNames, nil, "Go name", proc.TypeName, proc)
		claim(goNames, typeExists, "Go function (a GraphQL type of that name would bind to it)", "New"+proc.TypeName, proc)
		claim(goNames, typeExists, "Go function (a GraphQL type of that name would bind to it)", "As"+proc.TypeName, proc)
		for _, s := range proc.Sections {
			claim(goNames, nil, "Go name", s.TypeName, proc)
		}
	}
}

// args reads a directive's arguments, falling back to the directive definition's defaults.
type args struct {
	p      *schemaReader
	dir    *ast.Directive
	where  string // prefix of messages, e.g. "section type SalaryChangeEmployee"
	failed bool
}

func (a *args) errorf(pos *ast.Position, format string, v ...any) {
	a.p.errs.add(pos, "%s: %s", a.where, fmt.Sprintf(format, v...))
	a.failed = true
}

func (a *args) pos(v *ast.Value) *ast.Position {
	if v != nil && v.Position != nil {
		return v.Position
	}
	return a.dir.Position
}

// explicit is the value given in the directive, or nil.
func (a *args) explicit(name string) *ast.Value {
	if arg := a.dir.Arguments.ForName(name); arg != nil {
		return arg.Value
	}
	return nil
}

// value is the given value or the definition's default, or nil.
func (a *args) value(name string) *ast.Value {
	if v := a.explicit(name); v != nil {
		return v
	}
	if a.dir.Definition != nil {
		if d := a.dir.Definition.Arguments.ForName(name); d != nil {
			return d.DefaultValue
		}
	}
	return nil
}

func (a *args) str(name string) (string, *ast.Position) {
	v := a.value(name)
	if v == nil || v.Kind == ast.NullValue {
		return "", a.pos(v)
	}
	s, ok := stringValue(v)
	if !ok {
		a.errorf(a.pos(v), "@%s(%s:) must be a string", a.dir.Name, name)
	}
	return s, a.pos(v)
}

func (a *args) boolean(name string) bool {
	v := a.value(name)
	if v == nil || v.Kind == ast.NullValue {
		return false
	}
	if v.Kind != ast.BooleanValue {
		a.errorf(a.pos(v), "@%s(%s:) must be true or false", a.dir.Name, name)
		return false
	}
	return v.Raw == "true"
}

// mode reads a FieldMode argument; AS_SECTION is allowed on fields only.
func (a *args) mode(name string, field bool) access.Mode {
	return a.modeValue(a.value(name), "@"+a.dir.Name+"("+name+":)", field, false)
}

func (a *args) modeValue(v *ast.Value, what string, field, optional bool) access.Mode {
	if v == nil || v.Kind == ast.NullValue {
		if !optional {
			a.errorf(a.pos(v), "%s must not be null", what)
		}
		return access.ModeUnset
	}
	m, err := access.ParseMode(v.Raw)
	if v.Kind != ast.EnumValue || err != nil || m == access.ModeUnset {
		a.errorf(a.pos(v), "%s: %s is not a FieldMode (REQUIRED, MODIFY, READ_ONLY, HIDDEN, AS_SECTION)", what, v.String())
		return access.ModeUnset
	}
	if m == access.AsSection && !field {
		a.errorf(a.pos(v), "%s: AS_SECTION is for fields only; a section needs REQUIRED, MODIFY, READ_ONLY or HIDDEN", what)
		return access.ModeUnset
	}
	return m
}

// exceptions reads stageExceptions; every stage must be one of the procedure's, at most once.
func (a *args) exceptions(proc *Procedure, field bool) []access.StageMode {
	v := a.value("stageExceptions")
	var out []access.StageMode
	seen := map[string]bool{}
	for _, it := range listItems(v) {
		if it.Kind != ast.ObjectValue {
			a.errorf(a.pos(it), "@%s(stageExceptions:): each entry is {stage: \"...\", internal: MODE, external: MODE}", a.dir.Name)
			continue
		}
		var sm access.StageMode
		var stagePos *ast.Position
		good := true
		for _, c := range it.Children {
			what := fmt.Sprintf("@%s(stageExceptions: {%s:})", a.dir.Name, c.Name)
			switch c.Name {
			case "stage":
				s, ok := stringValue(c.Value)
				if !ok {
					a.errorf(a.pos(c.Value), "%s must be a string", what)
					good = false
				}
				sm.Stage, stagePos = s, a.pos(c.Value)
			case "internal":
				sm.Internal = a.modeValue(c.Value, what, field, true)
			case "external":
				sm.External = a.modeValue(c.Value, what, field, true)
			default:
				a.errorf(c.Position, "@%s(stageExceptions:): unknown key %q (stage, internal, external)", a.dir.Name, c.Name)
				good = false
			}
		}
		switch {
		case !good:
		case stagePos == nil:
			a.errorf(a.pos(it), "@%s(stageExceptions:): an entry without stage", a.dir.Name)
			good = false
		case !proc.HasStage(sm.Stage):
			a.errorf(stagePos, "@%s(stageExceptions:): unknown stage %q; procedure %s has stages %s",
				a.dir.Name, sm.Stage, proc.Key, strings.Join(proc.Stages, ", "))
			good = false
		case seen[sm.Stage]:
			a.errorf(stagePos, "@%s(stageExceptions:): stage %q is listed twice", a.dir.Name, sm.Stage)
			good = false
		case sm.Internal == access.ModeUnset && sm.External == access.ModeUnset:
			a.errorf(a.pos(it), "@%s(stageExceptions:): the entry for stage %q sets neither internal nor external", a.dir.Name, sm.Stage)
			good = false
		}
		if !good {
			a.failed = true
			continue
		}
		seen[sm.Stage] = true
		out = append(out, sm)
	}
	return out
}

// listItems applies GraphQL's list coercion: a single value is a list of one.
func listItems(v *ast.Value) []*ast.Value {
	switch {
	case v == nil || v.Kind == ast.NullValue:
		return nil
	case v.Kind == ast.ListValue:
		out := make([]*ast.Value, len(v.Children))
		for i, c := range v.Children {
			out[i] = c.Value
		}
		return out
	}
	return []*ast.Value{v}
}

func stringValue(v *ast.Value) (string, bool) {
	if v == nil || (v.Kind != ast.StringValue && v.Kind != ast.BlockValue) {
		return "", false
	}
	return v.Raw, true
}
