package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestGraphiQLFiles checks what the page needs is served from the binary: every file index.html
// loads, with its type and a validator that spares a second download, the licences, and nothing
// outside the folder.
func TestGraphiQLFiles(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", graphiQLPage)
	mux.HandleFunc("GET /graphiql/{file...}", graphiQLFiles)
	get := func(path, etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	page := get("/", "")
	if page.Code != http.StatusOK || !strings.Contains(page.Header().Get("Content-Security-Policy"), "script-src 'self';") {
		t.Fatalf("GET / = %d, CSP %q", page.Code, page.Header().Get("Content-Security-Policy"))
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page.Body.String(), -1)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	loaded := 0
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if !strings.HasPrefix(ref, "graphiql/") {
			t.Fatalf("index.html loads %s, which is not one of its files", ref)
		}
		loaded++
		res := get("/"+ref, "")
		ext := ref[strings.LastIndex(ref, "."):]
		if res.Code != http.StatusOK || res.Header().Get("Content-Type") != types[ext] || res.Body.Len() == 0 {
			t.Fatalf("GET /%s = %d, %q, %d bytes", ref, res.Code, res.Header().Get("Content-Type"), res.Body.Len())
		}
		if again := get("/"+ref, res.Header().Get("ETag")); again.Code != http.StatusNotModified {
			t.Fatalf("GET /%s with its ETag %q = %d, want 304", ref, res.Header().Get("ETag"), again.Code)
		}
	}
	// Browsers that take gzip get it: the same bytes, less than half the size, with their own ETag.
	var plainSize, zippedSize int
	for _, ref := range []string{"graphiql/vendor/graphiql.min.js", "graphiql/vendor/graphiql.min.css"} {
		plain := get("/"+ref, "")
		req := httptest.NewRequest(http.MethodGet, "/"+ref, nil)
		req.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
		zipped := httptest.NewRecorder()
		mux.ServeHTTP(zipped, req)
		plainSize, zippedSize = plainSize+plain.Body.Len(), zippedSize+zipped.Body.Len()
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil || zipped.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET /%s with gzip: %q, %v", ref, zipped.Header().Get("Content-Encoding"), err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
			t.Fatalf("GET /%s gzipped is not the file (%v)", ref, err)
		}
		if zipped.Header().Get("ETag") == plain.Header().Get("ETag") || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("GET /%s: gzip ETag %q, plain %q, Vary %q", ref, zipped.Header().Get("ETag"), plain.Header().Get("ETag"), zipped.Header().Get("Vary"))
		}
		req.Header.Set("Accept-Encoding", "gzip;q=0")
		refused := httptest.NewRecorder()
		mux.ServeHTTP(refused, req)
		if refused.Header().Get("Content-Encoding") != "" {
			t.Fatalf("GET /%s with gzip;q=0 came gzipped", ref)
		}
	}
	if zippedSize > plainSize/2 {
		t.Fatalf("GraphiQL's build gzipped: %d bytes for %d", zippedSize, plainSize)
	}
	if loaded != 6 {
		t.Fatalf("index.html loads %d files, want 6 (GraphiQL's script and style, React, ReactDOM, start.js, page.css)", loaded)
	}
	// The versions fetch.sh pins are the ones whose licences are served.
	script, err := os.ReadFile("graphiql/fetch.sh")
	if err != nil {
		t.Fatal(err)
	}
	pin := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + `=(\S+)`).FindSubmatch(script)
		if m == nil {
			t.Fatalf("fetch.sh pins no %s", name)
		}
		return string(m[1])
	}
	licences := get("/graphiql/LICENSES.txt", "")
	body := licences.Body.String()
	if licences.Code != http.StatusOK || licences.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET /graphiql/LICENSES.txt = %d, %q", licences.Code, licences.Header().Get("Content-Type"))
	}
	for _, want := range []string{"graphiql@" + pin("GRAPHIQL"), "react@" + pin("REACT"), "react-dom@" + pin("REACT"), "Copyright (c) Facebook, Inc. and its affiliates", "Copyright (c) 2021 GraphQL Contributors"} {
		if !strings.Contains(body, want) {
			t.Errorf("LICENSES.txt does not mention %q", want)
		}
	}
	for _, path := range []string{"/graphiql/index.html", "/graphiql/fetch.sh", "/graphiql/README.md", "/graphiql/vendor/", "/graphiql/vendor/graphiql.min.js.map"} {
		if res := get(path, ""); res.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.Code)
		}
	}
}
