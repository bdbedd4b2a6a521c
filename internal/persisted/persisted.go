// Package persisted holds persisted GraphQL documents: the trusted-documents manifest an operator
// gives with --trusted-documents (the persisted-documents.json of GraphQL Code Generator's client
// preset: an object of SHA-256 hex hash → document text), read and checked once at start, and the
// hash every lookup uses. What a manifest allows whom is decided in internal/access, and applied at
// the HTTP edge (internal/server).
package persisted

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Hash is a document's id: the lowercase hex SHA-256 of its exact text (the hash Apollo's
// persisted-queries link and GraphQL Code Generator compute; whitespace counts).
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// IsHash reports whether s has the form of a hash: 64 lowercase hex digits.
func IsHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Manifest is a set of trusted documents by hash. The nil manifest holds nothing.
type Manifest struct {
	docs map[string]string
}

// Lookup returns the text of the document with hash.
func (m *Manifest) Lookup(hash string) (string, bool) {
	if m == nil {
		return "", false
	}
	text, ok := m.docs[hash]
	return text, ok
}

// Len is the number of documents.
func (m *Manifest) Len() int {
	if m == nil {
		return 0
	}
	return len(m.docs)
}

// Load reads a manifest file and checks it against schema (see Parse).
func Load(path string, schema *ast.Schema) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return Parse(b, schema)
}

// Parse reads a manifest: one JSON object whose keys are hashes and values document texts. Every
// key must be the hash of its text, and every text a document that parses and validates against
// schema, so that a manifest built for another version of the schema fails at start, not at the
// first request. The error names every bad entry (by hash and operation), sorted, at most ten.
func Parse(b []byte, schema *ast.Schema) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a JSON object of SHA-256 hashes to documents: %w", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("not a JSON object of SHA-256 hashes to documents (null)")
	}
	m := &Manifest{docs: make(map[string]string, len(raw))}
	var problems []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, hash := range keys {
		var text string
		if err := json.Unmarshal(raw[hash], &text); err != nil {
			problems = append(problems, fmt.Sprintf("%s: the value is not a string", short(hash)))
			continue
		}
		if !IsHash(hash) {
			problems = append(problems, fmt.Sprintf("%s: the key is not a SHA-256 hash (64 lowercase hex digits)", short(hash)))
			continue
		}
		if got := Hash(text); got != hash {
			problems = append(problems, fmt.Sprintf("%s: the key is not the SHA-256 of its document (that is %s)", short(hash), got))
			continue
		}
		if _, errs := gqlparser.LoadQuery(schema, text); len(errs) > 0 {
			problems = append(problems, fmt.Sprintf("%s: %s", short(hash), errs[0].Message))
			continue
		}
		m.docs[hash] = text
	}
	if n := len(problems); n > 0 {
		more := ""
		if len(problems) > 10 {
			more = fmt.Sprintf("; and %d more", len(problems)-10)
			problems = problems[:10]
		}
		return nil, fmt.Errorf("%d of %d documents are invalid: %s%s", n, len(raw), strings.Join(problems, "; "), more)
	}
	return m, nil
}

// short abbreviates a hash in messages; anything else (a bad key) is quoted whole, within bounds.
func short(key string) string {
	if IsHash(key) {
		return key[:12] + "…"
	}
	if len(key) > 40 {
		key = key[:40] + "…"
	}
	return fmt.Sprintf("%q", key)
}
