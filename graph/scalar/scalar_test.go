package scalar

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/internal/apperr"
)

// at is the context gqlgen reads an argument in: field's context, then one path context per
// argument and input field name; argType is the type of the path's first element.
func at(field, argType string, path ...string) context.Context {
	def := &ast.FieldDefinition{Name: field}
	if len(path) > 0 {
		def.Arguments = ast.ArgumentDefinitionList{{Name: path[0], Type: ast.NamedType(argType, nil)}}
	}
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{
		Field: graphql.CollectedField{Field: &ast.Field{Name: field, Definition: def}}})
	for _, p := range path {
		ctx = graphql.WithPathContext(ctx, graphql.NewPathWithField(p))
	}
	return ctx
}

func inputErrorOn(t *testing.T, err error, field string) {
	t.Helper()
	var ie *apperr.InputError
	if !errors.As(err, &ie) || ie.Field != field {
		t.Errorf("err = %v, want an input error on %s", err, field)
	}
}

func TestStringRefusesWhatPostgreSQLCannotStore(t *testing.T) {
	ctx := at("users", "UserFilter", "filter", "search")
	for _, s := range []string{"a\x00b", "\x00", "a\xffb", string([]byte{0xed, 0xa0, 0x80})} {
		_, err := UnmarshalString(ctx, s)
		inputErrorOn(t, err, "search")
	}
	_, err := UnmarshalString(ctx, 42)
	inputErrorOn(t, err, "search")
	if s, err := UnmarshalString(ctx, "Zażółć gęślą jaźń\t\n"); err != nil || s != "Zażółć gęślą jaźń\t\n" {
		t.Errorf("plain text: %q %v", s, err)
	}
}

func TestStringBounds(t *testing.T) {
	for _, c := range []struct {
		name string
		ctx  context.Context
		max  int
	}{
		{"a name", at("createGroup", "String", "name"), MaxString},
		{"a search", at("users", "UserFilter", "filter", "search"), MaxString},
		{"an e-mail argument", at("login", "String", "email"), MaxEmail},
		{"an e-mail input field", at("createUser", "CreateUserInput", "input", "email"), MaxEmail},
		{"a comment", at("addComment", "String", "text"), MaxText},
		{"a document body", at("updateDocument", "UpdateDocumentInput", "input", "body"), MaxText},
		{"a form value", at("createServiceRequest", "ServiceRequestInput", "input", "request", "description"), MaxText},
		{"a form's title (no form value)", at("createServiceRequest", "String", "title"), MaxString},
		{"a cursor", at("users", "String", "after"), MaxText},
		{"an imported settings file", at("importAccessSettings", "String", "content"), MaxFile},
	} {
		leaf := "x"
		if _, err := UnmarshalString(c.ctx, strings.Repeat("ż", c.max)); err != nil {
			t.Errorf("%s of %d characters: %v", c.name, c.max, err)
		}
		_, err := UnmarshalString(c.ctx, strings.Repeat("ż", c.max+1))
		var ie *apperr.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s of %d characters: %v, want an input error", c.name, c.max+1, err)
		}
		_ = leaf
	}
}

func TestIDIsText(t *testing.T) {
	ctx := at("user", "ID", "id")
	_, err := UnmarshalID(ctx, "a\x00b")
	inputErrorOn(t, err, "id")
	_, err = UnmarshalID(ctx, true)
	inputErrorOn(t, err, "id")
	if s, err := UnmarshalID(ctx, 42); err != nil || s != "42" {
		t.Errorf("an integer id: %q %v", s, err)
	}
}

func TestDateTimeIsStrictRFC3339WithinTheYearsBothKnow(t *testing.T) {
	ctx := at("auditLog", "AuditFilter", "filter", "from")
	for _, s := range []string{"", "not a time", "2026-12-31T23:59:60Z", "2026-12-31T24:00:00Z", "2026-02-30T00:00:00Z",
		"2026-12-31 23:59:59Z", "2026-12-31T23:59Z", "2026-12-31T23:59:59", "2026-12-31T23:59:59+24:00",
		"2026-12-31T23:59:59.1234567890Z", "+2026-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
		"0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "9999-12-30T23:00:00-05:00", " 2026-12-31T23:59:59Z"} {
		if _, err := UnmarshalDateTime(ctx, s); err == nil {
			t.Errorf("%q accepted", s)
		} else {
			inputErrorOn(t, err, "from")
		}
	}
	for s, want := range map[string]time.Time{
		"2026-12-31T23:59:59Z":             time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-12-31t23:59:59z":             time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-12-31T23:59:59.123456789Z":   time.Date(2026, 12, 31, 23, 59, 59, 123456000, time.UTC),
		"2027-01-01T00:59:59+01:00":        time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"0001-01-02T00:00:00Z":             time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC),
		"9999-12-30T23:59:59.999999Z":      time.Date(9999, 12, 30, 23, 59, 59, 999999000, time.UTC),
		"9999-12-30T23:59:59.999999999Z":   time.Date(9999, 12, 30, 23, 59, 59, 999999000, time.UTC),
		"2026-06-01T12:00:00.5-03:30":      time.Date(2026, 6, 1, 15, 30, 0, 500000000, time.UTC),
		"2026-06-01T12:00:00.000001+00:00": time.Date(2026, 6, 1, 12, 0, 0, 1000, time.UTC),
	} {
		got, err := UnmarshalDateTime(ctx, s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q = %v %v, want %v", s, got, err, want)
		}
	}
}

func TestDateWithinTheYearsBothKnow(t *testing.T) {
	ctx := at("createUser", "CreateUserInput", "input", "profileExpiresOn")
	for _, s := range []string{"0000-01-01", "0000-12-31", "2026-02-30", "2026-1-1", "20261-01-01", "2026-01-01T00:00:00Z", ""} {
		_, err := UnmarshalDate(ctx, s)
		inputErrorOn(t, err, "profileExpiresOn")
	}
	for _, s := range []string{"0001-01-01", "2026-12-31", "9999-12-31"} {
		if got, err := UnmarshalDate(ctx, s); err != nil || got.Format(DateLayout) != s {
			t.Errorf("%q = %v %v", s, got, err)
		}
	}
}
