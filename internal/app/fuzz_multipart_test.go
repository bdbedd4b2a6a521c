package app_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/graph"
)

// FuzzMultipart sends random GraphQL multipart requests (uploads) through the real HTTP handler, as
// an anonymous caller, an employee and an administrator: an operations field made of a query and
// variables given as raw JSON text, a map given as raw JSON text, and some file parts keyed "0",
// "1", … Whatever they hold, the answer must not be INTERNAL, an error without a code, an HTTP 5xx
// or something other than JSON. `go test` replays testdata/fuzz/FuzzMultipart/;
// `go test -run XXX -fuzz FuzzMultipart -parallel 2` looks for more.
//
// An input is: who calls (modulo 3), the query, the variables and the map (JSON text, spliced in
// as they are, so they may be malformed), how many file parts follow (modulo 16), their content
// and name, and whether the file is padded over the in-memory bound of the multipart transport
// (64 KiB), so that it is spooled to a temporary file.
func FuzzMultipart(f *testing.F) {
	const attach = `mutation($f: Upload!) { addAttachment(documentId: "0", file: $f) { id } }`
	for _, s := range []struct {
		query, variables, uploadMap string
		files                       uint8
	}{
		{attach, `{"f": null}`, `{"0": ["variables.f"]}`, 1},
		{attach, `{"x": []}`, `{"0": ["variables.x.5"]}`, 1},
		{attach, `{"x": [null]}`, `{"0": ["variables.x.-1"]}`, 1},
		{attach, `{"x": "text"}`, `{"0": ["variables.x.y"]}`, 1},
		{attach, `{"x": {"0": null}}`, `{"0": ["variables.x.0"]}`, 1},
		{attach, `null`, `{"0": ["variables.f"]}`, 1},
		{attach, `{"f": null, "g": null}`, `{"0": ["variables.f", "variables.g"]}`, 1},
		{attach, `{"f": null}`, `{"0": ["variables.f"], "1": ["variables.f"]}`, 2},
		{attach, `{"f": null}`, `{"0": ["variables.f"]}`, 3},
		{attach, `{"f": null}`, `[]`, 1},
	} {
		for who := range uint8(3) {
			f.Add(who, s.query, s.variables, s.uploadMap, s.files, "plik.txt", who == 2)
		}
	}
	w := newFuzzWorld(f, ast.Mutation)
	f.Fuzz(func(t *testing.T, who uint8, query, variables, uploadMap string, files uint8, text string, big bool) {
		role := int(who % 3)
		q, _ := json.Marshal(query)
		operations := `{"query": ` + string(q) + `, "variables": ` + variables + `}`
		content := []byte(text)
		if big {
			content = append(content, bytes.Repeat([]byte{'x'}, 64<<10)...)
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", operations)
		_ = mw.WriteField("map", uploadMap)
		for i := range int(files % 16) {
			part, err := mw.CreateFormFile(strconv.Itoa(i), text)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = part.Write(content)
		}
		_ = mw.Close()
		status, res, err := w.send(role, mw.FormDataContentType(), body.Bytes())
		if err == nil && status == http.StatusUnauthorized && role > 0 {
			w.relogin(t, role) // an input may have logged the role out
			status, res, err = w.send(role, mw.FormDataContentType(), body.Bytes())
		}
		if err != nil {
			t.Fatalf("as %d, operations %s, map %s: %v", role, operations, uploadMap, err)
		}
		if status >= 500 {
			t.Fatalf("as %d, operations %s, map %s: HTTP %d: %s", role, operations, uploadMap, status, res.raw)
		}
		for _, e := range res.Errors {
			if code, _ := e.Extensions["code"].(string); code == "" || code == graph.CodeInternal {
				t.Fatalf("as %d, operations %s, map %s: %s\nserver log:\n%s", role, operations, uploadMap, res.raw, lastLines(w.s.Logs(), 20))
			}
		}
		if strings.Contains(w.s.Logs(), "panic in resolver") {
			t.Fatalf("as %d, operations %s, map %s: the server logged a panic\n%s", role, operations, uploadMap, lastLines(w.s.Logs(), 20))
		}
	})
}
