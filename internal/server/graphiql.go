package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GraphiQL at /. The page, its start script and the GraphiQL build it runs (GraphiQL, React and
// ReactDOM, with the licences of everything in that build) are files embedded in the binary, so
// GraphiQL works on a machine without internet access and never runs code from elsewhere. The
// folder graphiql holds them: vendor/ as the npm registry ships them at the versions pinned in
// graphiql/fetch.sh, which fetches them again (graphiql/README.md).

//go:embed graphiql/index.html graphiql/start.js graphiql/page.css graphiql/LICENSES.txt graphiql/vendor
var graphiQLFS embed.FS

// graphiQLCSP allows only this server's scripts, never inline ones. Styles may be inline: GraphiQL's
// dialogs (settings, shortcuts) add style elements as they open, which the browser test sees
// refused without it. Its fonts are data: URLs inside its CSS, and so is the page's empty icon.
var graphiQLCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data:",
	"font-src 'self' data:",
	"connect-src 'self'",
	"form-action 'none'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
}, "; ")

// graphiQLFile is one embedded file with its validator: the build is ~1.5 MB, so browsers keep it
// and only ask whether it changed (304), rather than load it again with every visit. It goes out
// gzipped (0.6 MB in all) to browsers that take gzip, compressed on its first request.
type graphiQLFile struct {
	content []byte
	etag    string

	gzipOnce sync.Once
	gzipped  []byte
	gzipETag string
}

// gzip returns the file gzipped and that representation's validator.
func (f *graphiQLFile) gzip() ([]byte, string) {
	f.gzipOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
		_, _ = zw.Write(f.content)                             // into memory: no error
		_ = zw.Close()
		f.gzipped = b.Bytes()
		f.gzipETag = strings.TrimSuffix(f.etag, `"`) + `-gzip"`
	})
	return f.gzipped, f.gzipETag
}

func loadGraphiQL() (page *graphiQLFile, files map[string]*graphiQLFile) {
	files = map[string]*graphiQLFile{}
	err := fs.WalkDir(graphiQLFS, "graphiql", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := graphiQLFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[strings.TrimPrefix(name, "graphiql/")] = &graphiQLFile{content: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic(err) // embedded: cannot happen in a binary that built
	}
	page = files["index.html"]
	delete(files, "index.html")
	return page, files
}

var graphiQLIndex, graphiQLAssets = loadGraphiQL()

// graphiQLPage serves GET /: GraphiQL on the GraphQL endpoint next to it.
func graphiQLPage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", graphiQLCSP)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	serveGraphiQLFile(w, r, "index.html", graphiQLIndex)
}

// graphiQLFiles serves GET /graphiql/{file...}: the page's script and style, the GraphiQL build and
// its licences (LICENSES.txt).
func graphiQLFiles(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, ok := graphiQLAssets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveGraphiQLFile(w, r, name, f)
}

func serveGraphiQLFile(w http.ResponseWriter, r *http.Request, name string, f *graphiQLFile) {
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if path.Ext(name) == ".txt" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	body, etag := f.content, f.etag
	if acceptsGzip(r) {
		body, etag = f.gzip()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match from the ETag, and sets the type of .js, .css and .html.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding names gzip without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for coding := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(coding, ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
					v, err := strconv.ParseFloat(q, 64)
					return err == nil && v > 0
				}
				return true
			}
		}
	}
	return false
}
