package server

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/persisted"
)

func apqParams(query, hash string) *graphql.RawParams {
	return &graphql.RawParams{Query: query, Extensions: map[string]any{
		"persistedQuery": map[string]any{"version": json.Number("1"), "sha256Hash": hash}}}
}

// TestPersistedQueryCacheIsBounded: the cache keeps the most recently used documents up to its
// size, and never a document over the size limit.
func TestPersistedQueryCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	p := newPersistedQueries(nil, 2, 40)
	docs := []string{"{ a }", "{ b }", "{ c }"}
	known := func(doc string) bool {
		t.Helper()
		params := apqParams("", persisted.Hash(doc))
		err := p.MutateOperationParameters(ctx, params)
		if err == nil {
			if params.Query != doc {
				t.Fatalf("hash of %q gave %q", doc, params.Query)
			}
			return true
		}
		if err.Message != "PersistedQueryNotFound" || err.Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("error %+v", err)
		}
		return false
	}
	for _, d := range docs[:2] {
		if err := p.MutateOperationParameters(ctx, apqParams(d, persisted.Hash(d))); err != nil {
			t.Fatal(err)
		}
	}
	if !known(docs[0]) || !known(docs[1]) {
		t.Fatal("two documents fit")
	}
	known(docs[0]) // docs[1] is now the least recently used
	if err := p.MutateOperationParameters(ctx, apqParams(docs[2], persisted.Hash(docs[2]))); err != nil {
		t.Fatal(err)
	}
	if !known(docs[2]) || !known(docs[0]) || known(docs[1]) {
		t.Fatal("the third document must push out the least recently used")
	}
	long := "{ " + strings.Repeat("a", 40) + " }"
	if err := p.MutateOperationParameters(ctx, apqParams(long, persisted.Hash(long))); err != nil {
		t.Fatal(err) // it runs (the limits refuse it), but is not remembered
	}
	if known(long) || !known(docs[0]) {
		t.Fatal("a document over the size limit must not be remembered nor push others out")
	}
}

// TestPersistedQueryRefusals: a malformed extension and a hash that is not its document's.
func TestPersistedQueryRefusals(t *testing.T) {
	p := newPersistedQueries(nil, 2, 1000)
	q := "{ me { kind } }"
	cases := []struct {
		name   string
		params *graphql.RawParams
		reason string
	}{
		{"hash of another document", apqParams(q, persisted.Hash(q+" ")), "PERSISTED_QUERY_HASH_MISMATCH"},
		{"not a hash", apqParams("", "abc"), "PERSISTED_QUERY_INVALID"},
		{"uppercase hash", apqParams("", strings.ToUpper(persisted.Hash(q))), "PERSISTED_QUERY_INVALID"},
		{"version 2", &graphql.RawParams{Extensions: map[string]any{"persistedQuery": map[string]any{"version": json.Number("2"), "sha256Hash": persisted.Hash(q)}}}, "PERSISTED_QUERY_INVALID"},
		{"not an object", &graphql.RawParams{Extensions: map[string]any{"persistedQuery": "x"}}, "PERSISTED_QUERY_INVALID"},
	}
	for _, c := range cases {
		err := p.MutateOperationParameters(context.Background(), c.params)
		if err == nil || err.Extensions["code"] != "BAD_USER_INPUT" || err.Extensions["reason"] != c.reason {
			t.Errorf("%s: %+v", c.name, err)
		}
	}
	// Nothing was remembered on the way.
	if err := p.MutateOperationParameters(context.Background(), apqParams("", persisted.Hash(q))); err == nil || err.Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("after refusals: %+v", err)
	}
}

// TestPageDocuments: the pages' documents built per procedure are trusted only with the names of
// a procedure's own sections and fields, in the pages' shape.
func TestPageDocuments(t *testing.T) {
	cases := map[string]bool{
		"query Values($id: ID!) { form: serviceRequest(id: $id) { request { subject description } } }":                                                                            true,
		"query Form($id: ID!) { form: salaryChange(id: $id) { employee { employeeName } compensation { currentSalary } } }":                                                       true,
		"query Values($id: ID!) { form: serviceRequest(id: $id) { request { subject password } } }":                                                                               false,
		"query Values($id: ID!) { form: serviceRequest(id: $id) { secrets { subject } } }":                                                                                        false,
		"query Values($id: ID!) { form: case(id: $id) { procedure { key } } }":                                                                                                    false,
		"query Values($id: ID!) { form: user(id: $id) { manager { email } } }":                                                                                                    false,
		"query Values($id: ID!) { form: serviceRequest(id: $id) { request { subject(x: 1) } } }":                                                                                  false,
		"query Sections($n0: String!, $n1: String!) { s0: __type(name: $n0) { " + pageIntrospectFields + " } s1: __type(name: $n1) { " + pageIntrospectFields + " } }":            true,
		"query Sections($n0: String!) { s0: __schema { types { name } } }":                                                                                                        false,
		"mutation Save($id: ID!, $input: ServiceRequestInput!) { updateServiceRequest(id: $id, input: $input) { id } }":                                                           true,
		"mutation Save($id: ID!, $input: ServiceRequestInput!) { updateServiceRequest(id: $id, input: $input) { id title } }":                                                     false,
		"query Parts($id: ID!) { case(id: $id) { comments(first: 100) { edges { node { byline text createdAt } } } history(first: 50) { edges { node { at action actor } } } } }": true,
		"query Me { me { user { name } contact { name company { name } } } }":                                                                                                     true,
		"query Me { me { user { name email } } }":                                                                                                                                 false,
	}
	for doc, want := range cases {
		if got := pageDocument(doc); got != want {
			t.Errorf("pageDocument(%s) = %v, want %v", doc, got, want)
		}
	}
}

// TestPageDocumentsInScripts: every document a page script writes out in full (string literals
// only, no names filled in) is one of pageFixedDocuments, so a change to a script's document
// without this file fails here, not only in the browser tests.
func TestPageDocumentsInScripts(t *testing.T) {
	call := regexp.MustCompile(`(?:gql|upload)\(\s*((?:"(?:[^"\\]|\\.)*"\s*\+?\s*)+)([,)])`)
	literal := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	n := 0
	for _, file := range []string{"portalpage/portal.js", "accesspage/access.js", "activatepage/activate.js", "resetpage/reset.js", "adminpage/admin.js"} {
		b, err := pageFiles.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(strings.TrimSpace(m[1]), "+") {
				continue // a name is filled in: checked by the shapes (TestPageDocuments)
			}
			var doc strings.Builder
			for _, l := range literal.FindAllStringSubmatch(m[1], -1) {
				doc.WriteString(l[1])
			}
			n++
			if !pageFixedDocuments[doc.String()] {
				t.Errorf("%s: %q is not among the pages' trusted documents", file, doc.String())
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d documents found in the scripts", n)
	}
}
