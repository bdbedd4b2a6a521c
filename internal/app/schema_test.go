package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// getSchemaSDL fetches GET /schema.graphql, with a bearer token when one is given.
func getSchemaSDL(t *testing.T, s *gqltest.Server, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"/schema.graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// schemaFiles loads the schema from its files as gqlgen does (gqlgen.yml: its globs, in order).
func schemaFiles(t *testing.T) *ast.Schema {
	t.Helper()
	var sources []*ast.Source
	for _, glob := range []string{"schema/*.graphqls", "schema/procedures/*.graphqls", "schema/generated/*.graphqls"} {
		names, err := filepath.Glob(filepath.Join("..", "..", glob))
		if err != nil || len(names) == 0 {
			t.Fatalf("schema files %s: %v", glob, err)
		}
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, &ast.Source{Name: name, Input: string(b)})
		}
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatalf("load the schema files: %v", err)
	}
	return schema
}

// TestSchemaSDL fetches GET /schema.graphql and checks that it is the schema: the schema files as
// gqlparser's formatter writes them, and, read back, every type, field, argument, input field, enum
// value, interface, member, directive and description that introspection gives, and nothing else.
func TestSchemaSDL(t *testing.T) {
	s := gqltest.Start(t)
	res, sdl := getSchemaSDL(t, s, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /schema.graphql = %d: %s", res.StatusCode, sdl)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var want bytes.Buffer
	formatter.NewFormatter(&want).FormatSchema(schemaFiles(t))
	if sdl != want.String() {
		t.Fatalf("GET /schema.graphql is not the formatted schema files (%d bytes, want %d)", len(sdl), want.Len())
	}
	served, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl})
	if err != nil {
		t.Fatalf("GET /schema.graphql does not load: %v", err)
	}

	var in introspection
	s.Anonymous().Do(introspectionQuery, nil).MustOK(t).Decode(t, &in)
	compareIntrospection(t, in.Schema, served)

	// A client that has it asks whether it changed.
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/schema.graphql", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if res.Header.Get("ETag") == "" || again.StatusCode != http.StatusNotModified {
		t.Fatalf("GET /schema.graphql with its ETag %q = %d, want 304", res.Header.Get("ETag"), again.StatusCode)
	}
}

// TestAnonymousIntrospection checks --introspection both ways: with all (the default) anyone reads
// the schema; with authenticated, a caller without a session gets UNAUTHENTICATED for __schema
// and __type and HTTP 401 for /schema.graphql, and a caller with one reads both as before.
func TestAnonymousIntrospection(t *testing.T) {
	const schemaQuery = `{ __schema { queryType { name } } }`
	const typeQuery = `{ __type(name: "Case") { name } }`
	t.Run("all", func(t *testing.T) {
		s := gqltest.Start(t)
		s.Anonymous().Do(schemaQuery, nil).MustOK(t)
		s.Anonymous().Do(typeQuery, nil).MustOK(t)
		if res, body := getSchemaSDL(t, s, ""); res.StatusCode != http.StatusOK || !strings.Contains(body, "type Query") {
			t.Fatalf("anonymous GET /schema.graphql = %d: %.200s", res.StatusCode, body)
		}
	})
	t.Run("authenticated", func(t *testing.T) {
		s := gqltest.Start(t, func(c *config.Config) { c.Introspection = config.IntrospectionAuthenticated })
		for _, q := range []string{schemaQuery, typeQuery, `{ __typename ` + typeQuery[1:]} {
			r := s.Anonymous().Do(q, nil)
			e := r.MustFail(t, "UNAUTHENTICATED")
			if !strings.Contains(e.Message, "requires a session") || strings.Contains(string(r.Data), `"name"`) {
				t.Fatalf("anonymous %s: %s (data %s)", q, e.Message, r.Data)
			}
		}
		// What tells nothing about the schema stays open, and so does logging in.
		s.Anonymous().Do(`{ __typename }`, nil).MustOK(t)
		admin := s.Admin()
		admin.Do(schemaQuery, nil).MustOK(t)
		admin.Do(typeQuery, nil).MustOK(t)

		res, body := getSchemaSDL(t, s, "")
		var refusal struct{ Errors []gqltest.Error }
		_ = json.Unmarshal([]byte(body), &refusal)
		if res.StatusCode != http.StatusUnauthorized || len(refusal.Errors) != 1 || refusal.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("anonymous GET /schema.graphql = %d: %.300s", res.StatusCode, body)
		}
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("the 401 has no WWW-Authenticate")
		}
		if res, _ := getSchemaSDL(t, s, "not-a-token"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /schema.graphql with a wrong token = %d, want 401", res.StatusCode)
		}
		res, body = getSchemaSDL(t, s, admin.Token)
		var want bytes.Buffer
		formatter.NewFormatter(&want).FormatSchema(schemaFiles(t))
		if res.StatusCode != http.StatusOK || body != want.String() {
			t.Fatalf("GET /schema.graphql with a session = %d: %.200s", res.StatusCode, body)
		}
		if res.Header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("Cache-Control = %q: shared caches must not keep what needs a session", res.Header.Get("Cache-Control"))
		}
	})
}

const introspectionQuery = `query {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name description
      fields(includeDeprecated: true) { name description args { ...Value } type { ...Ref } isDeprecated deprecationReason }
      inputFields { ...Value }
      interfaces { name }
      possibleTypes { name }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
    }
    directives { name description locations isRepeatable args { ...Value } }
  }
}
fragment Value on __InputValue { name description type { ...Ref } defaultValue }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`

type introspection struct {
	Schema introSchema `json:"__schema"`
}

type introSchema struct {
	QueryType, MutationType, SubscriptionType *struct{ Name string }
	Types                                     []struct {
		Kind, Name    string
		Description   *string
		Fields        []introField
		InputFields   []introValue
		Interfaces    []struct{ Name string }
		PossibleTypes []struct{ Name string }
		EnumValues    []introEnumValue
	}
	Directives []struct {
		Name         string
		Description  *string
		Locations    []string
		IsRepeatable bool
		Args         []introValue
	}
}

type introEnumValue struct {
	Name              string
	Description       *string
	IsDeprecated      bool
	DeprecationReason *string
}

type introField struct {
	Name              string
	Description       *string
	Args              []introValue
	Type              *introRef
	IsDeprecated      bool
	DeprecationReason *string
}

type introValue struct {
	Name         string
	Description  *string
	Type         *introRef
	DefaultValue *string
}

type introRef struct {
	Kind   string
	Name   *string
	OfType *introRef
}

func (r *introRef) String() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.String() + "!"
	case "LIST":
		return "[" + r.OfType.String() + "]"
	}
	return *r.Name
}

func introStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// introDeprecation is what introspection says of a definition's @deprecated.
func introDeprecation(dirs ast.DirectiveList) string {
	d := dirs.ForName("deprecated")
	if d == nil {
		return "false "
	}
	if a := d.Arguments.ForName("reason"); a != nil {
		return "true " + a.Value.Raw
	}
	return "true No longer supported"
}

// introNames lists the names of list's items but the introspection fields (__schema, __type),
// sorted and joined.
func introNames[T any](list []T, name func(T) string) string {
	out := []string{}
	for _, v := range list {
		if n := name(v); !strings.HasPrefix(n, "__") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// compareIntrospection checks that sdl (the schema read back from /schema.graphql) says what
// introspection says, item by item; it reports every difference.
func compareIntrospection(t *testing.T, in introSchema, sdl *ast.Schema) {
	t.Helper()
	check := func(what, intro, served string) {
		t.Helper()
		if intro != served {
			t.Errorf("%s: introspection says %q, /schema.graphql %q", what, intro, served)
		}
	}
	root := func(r *struct{ Name string }) string {
		if r == nil {
			return ""
		}
		return r.Name
	}
	def := func(d *ast.Definition) string {
		if d == nil {
			return ""
		}
		return d.Name
	}
	check("query type", root(in.QueryType), def(sdl.Query))
	check("mutation type", root(in.MutationType), def(sdl.Mutation))
	check("subscription type", root(in.SubscriptionType), def(sdl.Subscription))
	value := func(where string, v introValue, desc string, typ *ast.Type, dflt *ast.Value) {
		t.Helper()
		check(where+" type", v.Type.String(), typ.String())
		check(where+" description", introStr(v.Description), desc)
		d := ""
		if dflt != nil {
			d = dflt.String()
		}
		check(where+" default", introStr(v.DefaultValue), d)
	}
	args := func(where string, in []introValue, defs ast.ArgumentDefinitionList) {
		t.Helper()
		for _, a := range in {
			if d := defs.ForName(a.Name); d == nil {
				t.Errorf("%s(%s) is not in /schema.graphql", where, a.Name)
			} else {
				value(where+"("+a.Name+")", a, d.Description, d.Type, d.DefaultValue)
			}
		}
		check(where+" arguments", introNames(in, func(v introValue) string { return v.Name }),
			introNames(defs, func(d *ast.ArgumentDefinition) string { return d.Name }))
	}
	var types []string
	for _, it := range in.Types {
		if strings.HasPrefix(it.Name, "__") {
			continue
		}
		types = append(types, it.Name)
		d := sdl.Types[it.Name]
		if d == nil {
			t.Errorf("type %s is not in /schema.graphql", it.Name)
			continue
		}
		check(it.Name+" kind", it.Kind, string(d.Kind))
		check(it.Name+" description", introStr(it.Description), d.Description)
		for _, f := range it.Fields {
			where := it.Name + "." + f.Name
			fd := d.Fields.ForName(f.Name)
			if fd == nil {
				t.Errorf("%s is not in /schema.graphql", where)
				continue
			}
			check(where+" type", f.Type.String(), fd.Type.String())
			check(where+" description", introStr(f.Description), fd.Description)
			check(where+" deprecated", fmt.Sprint(f.IsDeprecated, " ", introStr(f.DeprecationReason)), introDeprecation(fd.Directives))
			args(where, f.Args, fd.Arguments)
		}
		for _, f := range it.InputFields {
			if fd := d.Fields.ForName(f.Name); fd == nil {
				t.Errorf("%s.%s is not in /schema.graphql", it.Name, f.Name)
			} else {
				value(it.Name+"."+f.Name, f, fd.Description, fd.Type, fd.DefaultValue)
			}
		}
		fieldName := func(f *ast.FieldDefinition) string { return f.Name }
		if it.Kind == "INPUT_OBJECT" {
			check(it.Name+" input fields", introNames(it.InputFields, func(v introValue) string { return v.Name }), introNames(d.Fields, fieldName))
		} else {
			check(it.Name+" fields", introNames(it.Fields, func(f introField) string { return f.Name }), introNames(d.Fields, fieldName))
		}
		for _, v := range it.EnumValues {
			where := it.Name + "." + v.Name
			if vd := d.EnumValues.ForName(v.Name); vd == nil {
				t.Errorf("%s is not in /schema.graphql", where)
			} else {
				check(where+" description", introStr(v.Description), vd.Description)
				check(where+" deprecated", fmt.Sprint(v.IsDeprecated, " ", introStr(v.DeprecationReason)), introDeprecation(vd.Directives))
			}
		}
		check(it.Name+" values", introNames(it.EnumValues, func(v introEnumValue) string { return v.Name }),
			introNames(d.EnumValues, func(v *ast.EnumValueDefinition) string { return v.Name }))
		name := func(v struct{ Name string }) string { return v.Name }
		itself := func(s string) string { return s }
		check(it.Name+" interfaces", introNames(it.Interfaces, name), introNames(d.Interfaces, itself))
		switch it.Kind {
		case "UNION":
			check(it.Name+" members", introNames(it.PossibleTypes, name), introNames(d.Types, itself))
		case "INTERFACE":
			check(it.Name+" implementations", introNames(it.PossibleTypes, name),
				introNames(sdl.PossibleTypes[it.Name], func(d *ast.Definition) string { return d.Name }))
		}
	}
	served := []string{}
	for name := range sdl.Types {
		served = append(served, name)
	}
	check("types", introNames(types, func(s string) string { return s }), introNames(served, func(s string) string { return s }))
	for _, dir := range in.Directives {
		dd := sdl.Directives[dir.Name]
		if dd == nil {
			t.Errorf("directive @%s is not in /schema.graphql", dir.Name)
			continue
		}
		locations := []string{}
		for _, l := range dd.Locations {
			locations = append(locations, string(l))
		}
		check("@"+dir.Name+" locations", introNames(dir.Locations, func(s string) string { return s }), introNames(locations, func(s string) string { return s }))
		check("@"+dir.Name+" description", introStr(dir.Description), dd.Description)
		check("@"+dir.Name+" repeatable", fmt.Sprint(dir.IsRepeatable), fmt.Sprint(dd.IsRepeatable))
		args("@"+dir.Name, dir.Args, dd.Arguments)
	}
	if len(types) < 50 || len(in.Directives) == 0 {
		t.Fatalf("introspection gave %d types and %d directives: the comparison compared little", len(types), len(in.Directives))
	}
}
