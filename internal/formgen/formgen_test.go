package formgen

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = "../.."

func loadRepo(t *testing.T) *Result {
	t.Helper()
	res, err := Load(repoRoot)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return res
}

func TestShippedProcedures(t *testing.T) {
	res := loadRepo(t)
	reg := res.Registry()

	var keys []string
	for _, p := range reg.All() {
		keys = append(keys, p.Key)
	}
	if want := []string{"candidate-questionnaire", "salary-change", "service-request"}; !slices.Equal(keys, want) {
		t.Fatalf("procedure keys = %v, want %v (sorted by key)", keys, want)
	}

	sc := reg.Get("salary-change")
	if diff := cmp.Diff([]string{"DRAFT", "APPROVAL", "HR", "DONE"}, sc.Stages); diff != "" {
		t.Errorf("salary-change stages (-want +got):\n%s", diff)
	}
	if sc.TypeName != "SalaryChange" || sc.Name != "Wniosek o zmianę wynagrodzenia" || sc.ExternalCreate || !sc.KeepAccessAfterTask {
		t.Errorf("salary-change = %+v", sc)
	}
	want := &forms.Section{
		Key: "compensation", Name: "Wynagrodzenie", TypeName: "SalaryChangeCompensation",
		Internal: access.Modify, External: access.Hidden, // the @section defaults
		Exceptions: []access.StageMode{{Stage: "DONE", Internal: access.ReadOnly}},
		Fields: []*forms.Field{
			{Key: "currentSalary", Name: "Obecne wynagrodzenie", GoName: "CurrentSalary", Type: forms.Decimal,
				Internal: access.AsSection, External: access.AsSection},
			{Key: "requestedSalary", Name: "Wnioskowana wysokość wynagrodzenia", GoName: "RequestedSalary", Type: forms.Decimal,
				Internal: access.AsSection, External: access.AsSection,
				Exceptions: []access.StageMode{{Stage: "APPROVAL", Internal: access.Required}}},
		},
	}
	got, si := sc.Section("compensation")
	if diff := cmp.Diff(want, got); diff != "" || si != 1 {
		t.Errorf("salary-change compensation at %d (-want +got):\n%s", si, diff)
	}
	if s, _ := sc.Section("employee"); fieldKeys(s) != "employeeName,department,justification" {
		t.Errorf("salary-change employee fields = %s", fieldKeys(s))
	}

	cq := reg.Get("candidate-questionnaire")
	if diff := cmp.Diff([]string{"PREPARATION", "CANDIDATE_DATA", "HR_REVIEW", "DONE"}, cq.Stages); diff != "" {
		t.Errorf("candidate-questionnaire stages (-want +got):\n%s", diff)
	}
	for key, ext := range map[string]access.Mode{"basic": access.ReadOnly, "personal": access.Modify, "hr": access.Hidden} {
		s, _ := cq.Section(key)
		if s == nil || s.External != ext || s.Internal != access.Modify {
			t.Errorf("candidate-questionnaire section %s = %+v, want internal MODIFY, external %s", key, s, ext)
		}
	}
	checks := map[string]string{
		"basic":    "firstName,lastName,email,phone",
		"personal": "birthDate,address,education,previousEmployment",
		"hr":       "notes,decision",
	}
	for key, fields := range checks {
		if s, _ := cq.Section(key); fieldKeys(s) != fields {
			t.Errorf("candidate-questionnaire %s fields = %s, want %s", key, fieldKeys(s), fields)
		}
	}
	si, fi, ok := cq.Field("personal.birthDate")
	if !ok {
		t.Fatal("personal.birthDate missing")
	}
	if f := cq.Sections[si].Fields[fi]; f.Type != forms.Date || f.Name != "Data urodzenia" ||
		!slices.Equal(f.Exceptions, []access.StageMode{{Stage: "CANDIDATE_DATA", External: access.Required}}) {
		t.Errorf("personal.birthDate = %+v", f)
	}
	si, fi, _ = cq.Field("basic.firstName")
	if f := cq.Sections[si].Fields[fi]; f.Internal != access.Required || f.External != access.AsSection {
		t.Errorf("basic.firstName modes = %s/%s, want REQUIRED/AS_SECTION", f.Internal, f.External)
	}

	sr := reg.Get("service-request")
	if !sr.ExternalCreate || !slices.Equal(sr.Stages, []string{"NEW", "IN_PROGRESS", "DONE"}) {
		t.Errorf("service-request = %+v, want externalCreate and stages NEW, IN_PROGRESS, DONE", sr)
	}
	if s, _ := sr.Section("request"); s == nil || s.External != access.Modify || fieldKeys(s) != "subject,description" {
		t.Errorf("service-request request = %+v", s)
	}
	in, _ := sr.Section("internal")
	if in == nil || in.External != access.Hidden || fieldKeys(in) != "estimate,internalNotes" {
		t.Fatalf("service-request internal = %+v", in)
	}
	if in.Fields[0].Type != forms.Decimal || in.Fields[1].GoName != "InternalNotes" || in.Fields[1].Type != forms.String {
		t.Errorf("service-request internal fields = %+v, %+v", in.Fields[0], in.Fields[1])
	}
}

func fieldKeys(s *forms.Section) string {
	if s == nil {
		return "<no section>"
	}
	var keys []string
	for _, f := range s.Fields {
		keys = append(keys, f.Key)
	}
	return strings.Join(keys, ",")
}

// TestGeneratedSchemaLoads checks that the emitted SDL loads with the hand-written schema, and that
// it declares what clients use.
func TestGeneratedSchemaLoads(t *testing.T) {
	res := loadRepo(t)
	sdl := string(res.SDL())
	if !strings.HasPrefix(sdl, "# "+Header+"\n") {
		t.Errorf("SDL header: %q", strings.SplitN(sdl, "\n", 2)[0])
	}
	schema := loadWithGenerated(t, repoRoot, sdl)
	q, m := schema.Query, schema.Mutation
	for _, f := range []string{"salaryChange", "salaryChanges", "candidateQuestionnaire", "candidateQuestionnaires", "serviceRequest", "serviceRequests"} {
		if q.Fields.ForName(f) == nil {
			t.Errorf("Query.%s missing", f)
		}
	}
	create := m.Fields.ForName("createSalaryChange")
	if create == nil {
		t.Fatal("Mutation.createSalaryChange missing")
	}
	var args []string
	for _, a := range create.Arguments {
		args = append(args, a.Name+": "+a.Type.String())
	}
	if got := strings.Join(args, ", "); got != "input: SalaryChangeInput!, title: String, projectId: ID, clientId: ID, positionId: ID, assigneeIds: [ID!]" {
		t.Errorf("createSalaryChange args: %s", got)
	}
	if m.Fields.ForName("updateServiceRequest") == nil {
		t.Error("Mutation.updateServiceRequest missing")
	}
	in := schema.Types["SalaryChangeCompensationInput"]
	if in == nil || in.Fields.ForName("requestedSalary").Type.String() != "Decimal" ||
		in.Fields.ForName("requestedSalary").Description != "Wnioskowana wysokość wynagrodzenia" ||
		in.Directives.ForName("goModel") == nil {
		t.Errorf("SalaryChangeCompensationInput = %+v", in)
	}
	sc := schema.Types["SalaryChange"]
	if sc.Fields.ForName("id").Type.String() != "ID!" || sc.Fields.ForName("case").Type.String() != "Case!" {
		t.Errorf("SalaryChange id/case: %v", sc.Fields)
	}
	if c := schema.Types["ServiceRequestConnection"]; c == nil || c.Fields.ForName("edges").Type.String() != "[ServiceRequestEdge!]!" {
		t.Errorf("ServiceRequestConnection = %+v", c)
	}
}

// loadWithGenerated loads root's schema sources plus the generated SDL. A stub Case type stands in
// when the hand-written schema does not declare one yet.
func loadWithGenerated(t *testing.T, root, sdl string) *ast.Schema {
	t.Helper()
	sources, err := Sources(root)
	if err != nil {
		t.Fatal(err)
	}
	sources = append(sources, &ast.Source{Name: SDLFile, Input: sdl})
	if !strings.Contains(joinInputs(sources), "type Case ") && !strings.Contains(joinInputs(sources), "type Case{") {
		sources = append(sources, &ast.Source{Name: "stub-case.graphqls", Input: "type Case { id: ID! }"})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("generated SDL does not load with the schema: %v", err)
	}
	return schema
}

func joinInputs(sources []*ast.Source) string {
	var b strings.Builder
	for _, s := range sources {
		b.WriteString(s.Input)
	}
	return b.String()
}

func TestGeneratedGo(t *testing.T) {
	res := loadRepo(t)
	types, err := res.TypesGo()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"// " + Header + "\n",
		"type SalaryChange struct{ *cases.Form }",
		"func AsSalaryChange(f *cases.Form, err error) (*SalaryChange, error) {",
		"func (p *SalaryChange) Employee(ctx context.Context) *SalaryChangeEmployee {",
		"\t\tEmployeeName:  s.String(0),\n",
		"\t\tBirthDate:          s.Date(0),\n",
		"\tInternalNotes *string // Notatki wewnętrzne\n",
		"\tEstimate      *string // Wycena\n",
		"\tBirthDate          *time.Time // Data urodzenia\n",
	} {
		if !strings.Contains(string(types), want) {
			t.Errorf("types_gen.go lacks %q", want)
		}
	}
	registry, err := res.RegistryGo()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Key:                 "service-request",`,
		"ExternalCreate:      true,",
		`{Key: "estimate", Name: "Wycena", GoName: "Estimate", Type: forms.Decimal, Internal: access.AsSection, External: access.AsSection},`,
		`Exceptions: []access.StageMode{{Stage: "HR_REVIEW", External: access.ReadOnly}, {Stage: "DONE", Internal: access.ReadOnly, External: access.ReadOnly}},`,
	} {
		if !strings.Contains(string(registry), want) {
			t.Errorf("registry_gen.go lacks %q", want)
		}
	}
	resolvers, err := res.ResolversGo(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"func (r *queryResolver) SalaryChange(ctx context.Context, id string) (*procedures.SalaryChange, error) {\n" +
			"\treturn procedures.AsSalaryChange(r.CaseService.Form(ctx, principal(ctx), \"salary-change\", id))\n}",
		"func (r *mutationResolver) CreateSalaryChange(ctx context.Context, input map[string]any, title *string, projectID *string, clientID *string, positionID *string, assigneeIds []string) (*procedures.SalaryChange, error) {",
		"cases.CreateInput{Values: input, Title: title, ProjectID: projectID, ClientID: clientID, PositionID: positionID, AssigneeIDs: assigneeIds}",
		"func (r *mutationResolver) UpdateSalaryChange(ctx context.Context, id string, input map[string]any) (*procedures.SalaryChange, error) {",
		"func (r *queryResolver) SalaryChanges(ctx context.Context, first *int, after *string) (*model.SalaryChangeConnection, error) {",
	} {
		if !strings.Contains(string(resolvers), want) {
			t.Errorf("forms.resolvers.go lacks %q", want)
		}
	}
}

// TestResolversMerge checks that formgen keeps what it does not own in the shared resolvers file,
// replaces its own methods, drops those of removed procedures, and changes nothing when all is
// current.
func TestResolversMerge(t *testing.T) {
	res := loadRepo(t)
	fresh, err := res.ResolversGo(nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := res.ResolversGo(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(fresh) {
		t.Errorf("a second run changes the file:\n%s", cmp.Diff(string(fresh), string(again)))
	}

	existing := `package graph

import (
	"context"
	"fmt"

	"github.com/casegate/casegate/internal/procedures"
)

func (r *queryResolver) Procedures(ctx context.Context) ([]string, error) {
	panic(fmt.Errorf("not implemented: Procedures - procedures"))
}

func (r *queryResolver) SalaryChange(ctx context.Context, id string) (*procedures.SalaryChange, error) {
	panic(fmt.Errorf("not implemented: SalaryChange - salaryChange"))
}

// OldThing is generated by formgen (procedure old-thing).
func (r *queryResolver) OldThing(ctx context.Context, id string) (*procedures.OldThing, error) {
	return procedures.AsOldThing(nil, nil)
}
`
	out, err := res.ResolversGo([]byte(existing))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, `panic(fmt.Errorf("not implemented: Procedures - procedures"))`) {
		t.Error("the hand-written Procedures resolver is gone")
	}
	if strings.Contains(s, "OldThing") {
		t.Error("the resolver of a removed procedure is still there")
	}
	if strings.Contains(s, "not implemented: SalaryChange") || !strings.Contains(s, `r.CaseService.Form(ctx, principal(ctx), "salary-change", id)`) {
		t.Error("the SalaryChange stub was not replaced")
	}
	for _, imp := range []string{`"github.com/casegate/casegate/graph/model"`, `"github.com/casegate/casegate/internal/cases"`, `"fmt"`} {
		if !strings.Contains(s, imp) {
			t.Errorf("import %s missing", imp)
		}
	}
	if again, _ := res.ResolversGo(out); string(again) != s {
		t.Errorf("merging is not stable:\n%s", cmp.Diff(s, string(again)))
	}
}

// TestGeneratedFilesUpToDate fails when schema/procedures changed without go generate.
func TestGeneratedFilesUpToDate(t *testing.T) {
	stale, err := Check(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("out of date (run go generate ./...): %v", stale)
	}
}

func TestInvalidProcedures(t *testing.T) {
	const file = "schema/procedures/bad.graphqls"
	tests := []struct {
		name string
		sdl  string
		line int
		want string
	}{
		{"unknown stage in a section exception", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT", "DONE"]) {
  main: BadProcMain
}
type BadProcMain @section(stageExceptions: [{stage: "REVIEW", internal: READ_ONLY}]) {
  a: String @field
}`, 5, `unknown stage "REVIEW"; procedure bad-proc has stages DRAFT, DONE`},

		{"unknown stage in a field exception", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT", "DONE"]) {
  main: BadProcMain
}
type BadProcMain @section {
  a: String @field
  b: String @field(stageExceptions: [
    {stage: "NOPE", external: REQUIRED}])
}`, 8, `unknown stage "NOPE"`},

		{"stage listed twice in exceptions", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT", "DONE"]) {
  main: BadProcMain
}
type BadProcMain @section(stageExceptions: [{stage: "DONE", internal: READ_ONLY},
    {stage: "DONE", external: READ_ONLY}]) {
  a: String @field
}`, 6, `stage "DONE" is listed twice`},

		{"duplicate procedure key across files", `
type BadProc @procedure(key: "salary-change", name: "Zły", stages: ["DRAFT"]) {
  main: BadProcMain
}
type BadProcMain @section { a: String @field }`, 2, `duplicate procedure key "salary-change": type SalaryChange uses it too (schema/procedures/salary-change.graphqls:2)`},

		{"duplicate procedure key in a file", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section { a: String @field }

type BadProcToo @procedure(key: "bad-proc", name: "Zły też", stages: ["DRAFT"]) { main: BadProcTooMain }
type BadProcTooMain @section { a: String @field }`, 5, `duplicate procedure key "bad-proc": type BadProc uses it too (schema/procedures/bad.graphqls:2)`},

		{"duplicate section keys", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) {
  fooBar: BadProcA
  foobar: BadProcB
}
type BadProcA @section { a: String @field }
type BadProcB @section { a: String @field }`, 4, `duplicate section key "foobar"`},

		{"duplicate field keys", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  fooBar: String @field
  foobar: Int @field
}`, 5, `duplicate field key "foobar"`},

		{"the same field twice", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field
  a: String @field
}`, 5, `Field BadProcMain.a can only be defined once`},

		{"non-nullable field", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field
  b: Date! @field(name: "Data")
}`, 5, `field b: the field must be nullable (a hidden field resolves to null): write Date, not Date!`},

		{"non-nullable section", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) {
  main: BadProcMain!
}
type BadProcMain @section { a: String @field }`, 3, `section main: the section must be nullable (a hidden section resolves to null): write BadProcMain, not BadProcMain!`},

		{"unsupported field type", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: ID @field
}`, 4, `field a: unsupported type ID; a form field is one of String, Decimal, Date, Int, Float, Boolean`},

		{"list field type", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field
  tags: [String] @field
}`, 5, `unsupported type [String]`},

		{"missing @field", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field
  b: String
}`, 5, `field b has no @field directive`},

		{"AS_SECTION on a section", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section(name: "Główna",
    internal: AS_SECTION) {
  a: String @field
}`, 4, `@section(internal:): AS_SECTION is for fields only`},

		{"AS_SECTION in a section's stage exception", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section(stageExceptions: [{stage: "DRAFT", external: AS_SECTION}]) {
  a: String @field
}`, 3, `AS_SECTION is for fields only`},

		{"unknown mode", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field(external: SOMETIMES)
}`, 4, `SOMETIMES is not a FieldMode`},

		{"section type not marked @section", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) {
  main: BadProcMain
  note: String
}
type BadProcMain @section { a: String @field }`, 4, `section note: the type String is not an object type marked @section`},

		{"section key differs from the field", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section(
  key: "other") {
  a: String @field
}`, 4, `@section key "other" differs from the field that holds it (BadProc.main)`},

		{"field key differs from the field", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String @field(key: "b")
}`, 4, `@field key "b" differs from the field's name`},

		{"section type used by two procedures", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcToo @procedure(key: "bad-proc-too", name: "Zły też", stages: ["DRAFT"]) {
  main: BadProcMain
}
type BadProcMain @section { a: String @field }`, 4, `section type BadProcMain is already used by procedure "bad-proc" (schema/procedures/bad.graphqls:2)`},

		{"duplicate stages", `
type BadProc @procedure(key: "bad-proc", name: "Zły",
  stages: ["DRAFT", "DONE", "DRAFT"]) { main: BadProcMain }
type BadProcMain @section { a: String @field }`, 3, `duplicate stage "DRAFT"`},

		{"empty stages", `
type BadProc @procedure(key: "bad-proc", name: "Zły",
  stages: []) { main: BadProcMain }
type BadProcMain @section { a: String @field }`, 3, `stages are empty`},

		{"procedure key not kebab-case", `
type BadProc @procedure(key: "bad_proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section { a: String @field }`, 2, `key "bad_proc" is not kebab-case`},

		{"section key not lowerCamelCase", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) {
  main_part: BadProcMain
}
type BadProcMain @section { a: String @field }`, 3, `the section key "main_part" must be lowerCamelCase`},

		{"reserved section name", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) {
  case: BadProcMain
}
type BadProcMain @section { a: String @field }`, 3, `"case" is reserved`},

		{"generated query field collides", `
type Me @procedure(key: "me", name: "Ja", stages: ["DRAFT"]) { main: MeMain }
type MeMain @section { a: String @field }`, 2, `the generated Query field me already exists in the schema`},

		{"unused section type", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section { a: String @field }
type BadProcSpare @section { a: String @field }`, 4, `section type BadProcSpare is not used by any procedure`},

		{"@field outside a section", `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section { a: String @field }
type BadPlain { a: String @field }`, 4, `@field on BadPlain.a, but BadPlain is not a @section type`},
	}
	base, err := Sources(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sources := append(slices.Clone(base), &ast.Source{Name: file, Input: tt.sdl})
			_, err := Parse(sources)
			if err == nil {
				t.Fatal("no error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T %v is not Errors", err, err)
			}
			prefix := file + ":" + strconv.Itoa(tt.line) + ": "
			for _, e := range errs {
				if strings.HasPrefix(e.Error(), prefix) && strings.Contains(e.Msg, tt.want) {
					return
				}
			}
			t.Errorf("want an error %q…%q, got:\n%v", prefix, tt.want, err)
		})
	}
}

func TestAllProblemsReported(t *testing.T) {
	base, err := Sources(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(append(base, &ast.Source{Name: "schema/procedures/bad.graphqls", Input: `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain }
type BadProcMain @section {
  a: String! @field
  b: ID @field
  c: String
}`}))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, line := range []int{4, 5, 6} {
		if errs[i].Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, errs[i].Line, line, errs[i])
		}
	}
}

func TestMainExitStatus(t *testing.T) {
	dir := t.TempDir()
	copySchema(t, dir)
	write(t, filepath.Join(dir, "schema/procedures/bad.graphqls"), `
type BadProc @procedure(key: "bad-proc", name: "Zły", stages: ["DRAFT"]) { main: BadProcMain! }
type BadProcMain @section { a: String @field }`)
	var stdout, stderr strings.Builder
	if code := Main([]string{"-root", dir}, &stdout, &stderr); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "schema/procedures/bad.graphqls:2: procedure BadProc: section main: the section must be nullable") {
		t.Errorf("stderr: %s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, SDLFile)); err == nil {
		t.Error("an invalid schema still wrote output")
	}
}

func TestNamesDefaultToKeys(t *testing.T) {
	base, err := Sources(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(append(base, &ast.Source{Name: "schema/procedures/x.graphqls", Input: `
type TaxiRide @procedure(key: "taxi-ride", name: "Kurs", stages: ["ORDERED", "DONE"], keepAccessAfterTask: false) {
  route: TaxiRideRoute
}
type TaxiRideRoute @section(internal: READ_ONLY, external: MODIFY) {
  fromAddress: String @field
  passengers: Int @field(internal: MODIFY)
  price: Float @field
  paid: Boolean @field
}`}))
	if err != nil {
		t.Fatal(err)
	}
	p := res.Registry().Get("taxi-ride")
	want := &forms.Procedure{
		Key: "taxi-ride", Name: "Kurs", TypeName: "TaxiRide", Stages: []string{"ORDERED", "DONE"},
		Sections: []*forms.Section{{
			Key: "route", Name: "route", TypeName: "TaxiRideRoute", Internal: access.ReadOnly, External: access.Modify,
			Fields: []*forms.Field{
				{Key: "fromAddress", Name: "fromAddress", GoName: "FromAddress", Type: forms.String, Internal: access.AsSection, External: access.AsSection},
				{Key: "passengers", Name: "passengers", GoName: "Passengers", Type: forms.Int, Internal: access.Modify, External: access.AsSection},
				{Key: "price", Name: "price", GoName: "Price", Type: forms.Float, Internal: access.AsSection, External: access.AsSection},
				{Key: "paid", Name: "paid", GoName: "Paid", Type: forms.Boolean, Internal: access.AsSection, External: access.AsSection},
			},
		}},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("taxi-ride (-want +got):\n%s", diff)
	}
	types, err := res.TypesGo()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Passengers:  s.Int(1)", "Price:       s.Float(2)", "Paid:        s.Bool(3)", "Passengers  *int", "Price       *float64", "Paid        *bool"} {
		if !strings.Contains(string(types), w) {
			t.Errorf("types lack %q", w)
		}
	}
	if sdl := string(res.SDL()); !strings.Contains(sdl, "taxiRides(first: Int, after: String): TaxiRideConnection!") {
		t.Errorf("SDL lacks taxiRides")
	}
}

func TestNaming(t *testing.T) {
	for in, want := range map[string]string{"SalaryChange": "salaryChange", "HRRequest": "hrRequest", "X": "x", "ID": "id"} {
		if got := lowerFirstWord(in); got != want {
			t.Errorf("lowerFirstWord(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"salaryChange": "salaryChanges", "address": "addresses", "inquiry": "inquiries", "survey": "surveys", "box": "boxes"} {
		if got := plural(in); got != want {
			t.Errorf("plural(%s) = %s, want %s", in, got, want)
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copySchema copies the repository's schema sources (not the generated SDL) into dir.
func copySchema(t *testing.T, dir string) {
	t.Helper()
	for _, g := range SourceGlobs {
		matches, _ := filepath.Glob(filepath.Join(repoRoot, g))
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(repoRoot, m)
			write(t, filepath.Join(dir, rel), string(b))
		}
	}
}
