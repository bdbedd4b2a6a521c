package server

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func multipartBody(t *testing.T, operations string, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("operations", operations)
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	part, err := w.CreateFormFile("0", "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(file)
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// The edge of an upload passes the request on byte for byte, announces a request of unknown length
// at the upload bound (so that gqlgen spools its files to disk instead of memory), and refuses
// operations over the bound of a JSON body before gqlgen decodes them whole.
func TestBoundUploads(t *testing.T) {
	l := Limits{MaxBytes: 1000, MaxUploadBytes: 10 << 20}
	file := bytes.Repeat([]byte("x"), 200<<10)
	var got []byte
	var length int64
	h := boundUploads(l, newTransfers(Limits{}), nil, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		length = r.ContentLength
	}))

	body, ct := multipartBody(t, `{"query": "mutation($file: Upload!) { x(file: $file) }", "variables": {"file": null}}`, file)
	want := bytes.Clone(body.Bytes())
	req := httptest.NewRequest(http.MethodPost, "/graphql", io.NopCloser(body)) // no length: chunked
	req.ContentLength = -1
	req.Header.Set("Content-Type", ct)
	req = withUser(req)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !bytes.Equal(got, want) {
		t.Fatalf("the transport read %d bytes, %d were sent", len(got), len(want))
	}
	if length != l.uploadBytes() {
		t.Fatalf("ContentLength %d, want the upload bound %d", length, l.uploadBytes())
	}

	got = nil
	body, ct = multipartBody(t, `{"query": "`+strings.Repeat("y", int(l.documentBytes()))+`"}`, file)
	req = httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", ct)
	req = withUser(req)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	errs := decodeErrors(t, rec)
	if got != nil || rec.Code != http.StatusRequestEntityTooLarge || len(errs) != 1 {
		t.Fatalf("%d %v (transport reached: %v)", rec.Code, errs, got != nil)
	}
	if ext, _ := errs[0]["extensions"].(map[string]any); ext["code"] != "BAD_USER_INPUT" || ext["limit"] != "DOCUMENT_SIZE" {
		t.Fatalf("extensions = %v", errs[0]["extensions"])
	}
}
