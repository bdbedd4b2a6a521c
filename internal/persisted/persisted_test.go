package persisted

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var schema = gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { me: User, echo(text: String!): String }
type User { name: String! }`})

func manifest(t *testing.T, docs map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseAcceptsAValidManifest(t *testing.T) {
	me, echo := "query Me { me { name } }", `query Echo($t: String!) { echo(text: $t) }`
	m, err := Parse(manifest(t, map[string]string{Hash(me): me, Hash(echo): echo}), schema)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Lookup(Hash(me)); !ok || got != me || m.Len() != 2 {
		t.Fatalf("lookup = %q %v, len %d", got, ok, m.Len())
	}
	if _, ok := m.Lookup(Hash(me + " ")); ok {
		t.Fatal("a document that differs by a space has another hash and is not listed")
	}
	var none *Manifest
	if _, ok := none.Lookup(Hash(me)); ok || none.Len() != 0 {
		t.Fatal("the nil manifest holds nothing")
	}
}

func TestParseRefusesBadManifests(t *testing.T) {
	me := "query Me { me { name } }"
	cases := []struct {
		name string
		body string
		want string
	}{
		{"not JSON", `{"a": `, "not a JSON object"},
		{"an array", `["query { me { name } }"]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"a value that is not a string", `{"` + Hash(me) + `": 1}`, "the value is not a string"},
		{"a key that is not a hash", string(manifest(t, map[string]string{"Me": me})), `"Me": the key is not a SHA-256 hash`},
		{"an uppercase hash", string(manifest(t, map[string]string{strings.ToUpper(Hash(me)): me})), "the key is not a SHA-256 hash"},
		{"the hash of another text", string(manifest(t, map[string]string{Hash(me + "\n"): me})), "is not the SHA-256 of its document"},
		{"a syntax error", string(manifest(t, map[string]string{Hash("query { me {"): "query { me {"})), "Expected Name"},
		{"an unknown field", string(manifest(t, map[string]string{Hash("{ you }"): "{ you }"})), `Cannot query field "you"`},
		{"a missing argument", string(manifest(t, map[string]string{Hash("{ echo }"): "{ echo }"})), `argument "text"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.body), schema)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestParseNamesEveryBadDocument(t *testing.T) {
	docs := map[string]string{}
	for _, f := range []string{"a", "b", "c"} {
		q := "{ " + f + " }"
		docs[Hash(q)] = q
	}
	_, err := Parse(manifest(t, docs), schema)
	if err == nil || !strings.HasPrefix(err.Error(), "3 of 3 documents are invalid") {
		t.Fatalf("error %v", err)
	}
}
