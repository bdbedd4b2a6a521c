package app_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

// postMultipart sends operations and map as the first parts of a multipart request and one file
// part per key in files, with the client's token (none when c is nil).
func postMultipart(t *testing.T, s *gqltest.Server, c *gqltest.Client, operations, uploadMap string, files []string, content []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", operations)
	_ = mw.WriteField("map", uploadMap)
	for _, key := range files {
		part, err := mw.CreateFormFile(key, "a.bin")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write(content)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, raw := sendAs(t, c, req)
	return res.StatusCode, raw
}

func mustBadUpload(t *testing.T, status int, raw []byte) {
	t.Helper()
	var out struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || status != http.StatusBadRequest || len(out.Errors) != 1 ||
		out.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("HTTP %d %s, want 400 BAD_USER_INPUT", status, raw)
	}
}

func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(entries)
}

// One file mapped to thousands of variables made gqlgen open the spooled file once per path and
// keep every copy open until the request ended: a request of a few hundred KB used up the
// process's file descriptors. The map is refused before a file is read, and no descriptors pile up.
func TestUploadMapOfManyPathsIsRefused(t *testing.T) {
	s := gqltest.Start(t)
	user := s.Admin()
	const paths = 5000
	nulls := make([]any, paths)
	ops, _ := json.Marshal(map[string]any{"query": `query($x: [Upload]) { __typename }`, "variables": map[string]any{"x": nulls}})
	list := make([]string, paths)
	for i := range list {
		list[i] = "variables.x." + strconv.Itoa(i)
	}
	m, _ := json.Marshal(map[string][]string{"0": list})

	before := openFiles(t)
	var peak atomic.Int64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := int64(openFiles(t)); n > peak.Load() {
				peak.Store(n)
			}
		}
	}()
	status, raw := postMultipart(t, s, user, string(ops), string(m), []string{"0"}, bytes.Repeat([]byte("x"), 100<<10))
	close(stop)
	<-stopped
	if p := int(peak.Load()); p > before+200 {
		t.Errorf("%d files open during the request, %d before", p, before)
	}
	mustBadUpload(t, status, raw)

	// Many files, one path each, are refused too.
	vars := map[string]any{}
	files, fm := []string{}, map[string][]string{}
	for i := range 11 {
		k := strconv.Itoa(i)
		vars["f"+k] = nil
		files = append(files, k)
		fm[k] = []string{"variables.f" + k}
	}
	ops, _ = json.Marshal(map[string]any{"query": `{ __typename }`, "variables": vars})
	m, _ = json.Marshal(fm)
	status, raw = postMultipart(t, s, user, string(ops), string(m), files, []byte("x"))
	mustBadUpload(t, status, raw)

	// Two files for one variable: gqlgen would keep the last and spool the other for nothing.
	status, raw = postMultipart(t, s, user, `{"query": "{ __typename }", "variables": {"f": null}}`,
		`{"0": ["variables.f"], "1": ["variables.f"]}`, []string{"0", "1"}, []byte("x"))
	mustBadUpload(t, status, raw)
}

// A map path that does not name a null in the variables made gqlgen panic (an index out of range,
// a type assertion): each is BAD_USER_INPUT now.
func TestUploadMapPathsMustNameANullVariable(t *testing.T) {
	s := gqltest.Start(t)
	user := s.Admin()
	for _, c := range []struct{ variables, path string }{
		{`{"x": []}`, "variables.x.5"},
		{`{"x": [null]}`, "variables.x.-1"},
		{`{"x": [null]}`, "variables.x.+0.y"},
		{`{"x": "text"}`, "variables.x.y"},
		{`{"x": {"0": null}}`, "variables.x.0"},
		{`{"x": [{"y": null}]}`, "variables.x.y"},
		{`null`, "variables.f"},
		{`{"f": 1}`, "variables.f"},
		{`{"f": {"g": null}}`, "variables.f"},
		{`{}`, "variables.f.g"},
		{`{"f": null}`, "operationName"},
		{`{"f": null}`, "variables"},
		{`{"f": null}`, "variables.f."},
	} {
		ops := `{"query": "{ __typename }", "variables": ` + c.variables + `}`
		m := `{"0": [` + strconv.Quote(c.path) + `]}`
		for _, size := range []int{10, 100 << 10} { // read into memory, spooled to a file
			status, raw := postMultipart(t, s, user, ops, m, []string{"0"}, bytes.Repeat([]byte("x"), size))
			if !strings.Contains(string(raw), `"BAD_USER_INPUT"`) || status != http.StatusBadRequest {
				t.Errorf("%s with %s (%d bytes): HTTP %d %s", c.path, c.variables, size, status, raw)
			}
		}
	}
}

// No operation open to anonymous callers takes a file: an anonymous multipart request is 401
// UNAUTHENTICATED at once (it used to take an upload slot first and wait for its body).
func TestAnonymousUploadIsUnauthenticated(t *testing.T) {
	s := gqltest.Start(t)
	status, raw := postMultipart(t, s, nil, `{"query": "mutation($f: Upload!) { addAttachment(documentId: \"1\", file: $f) { id } }", "variables": {"f": null}}`,
		`{"0": ["variables.f"]}`, []string{"0"}, []byte("x"))
	if status != http.StatusUnauthorized || !strings.Contains(string(raw), `"UNAUTHENTICATED"`) {
		t.Fatalf("HTTP %d %s, want 401 UNAUTHENTICATED", status, raw)
	}
}
