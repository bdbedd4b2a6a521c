package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// pageServer serves an empty page: the origin of a portal that calls casegate from the browser.
func pageServer(t *testing.T) *httptest.Server {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><link rel="icon" href="data:,"><title>portal</title>`))
	}))
	t.Cleanup(page.Close)
	return page
}

// corsFetch starts fetch(url, init) in the page and returns what it got: the status, the body
// and the response headers named, or the error that the browser gave the page.
func corsFetch(t *testing.T, tab *browsertest.Tab, url, init string, headers ...string) map[string]any {
	t.Helper()
	names, _ := json.Marshal(headers)
	browsertest.Eval[bool](tab, `window.got = undefined; fetch(`+jsString(url)+`, `+init+`).then(
		async (r) => { window.got = {status: r.status, body: await r.text(), headers: Object.fromEntries(`+string(names)+`.map((h) => [h, r.headers.get(h)]))}; },
		(e) => { window.got = {error: String(e)}; }); true`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		// Not tab.Wait: a refused request is reported to the console, which Wait takes for a failure.
		if got := browsertest.Eval[string](tab, `window.got === undefined ? "" : JSON.stringify(window.got)`); got != "" {
			var out map[string]any
			_ = json.Unmarshal([]byte(got), &out)
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fetch %s did not end", url)
	return nil
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// A page of an allowed origin calls /graphql and downloads an attachment with a bearer token in a
// real browser (preflights included), and reads the file name; a page of another origin cannot.
func TestCORSInBrowser(t *testing.T) {
	portal, stranger := pageServer(t), pageServer(t)
	tab := browsertest.Start(t, 2*time.Minute)
	s := gqltest.Start(t, func(c *config.Config) { c.CORSOrigins = []string{portal.URL} })
	w := newAttachmentWorld(t, s, false)
	a := mustAttachment(t, addAttachment(t, w.author, w.documentID, "umowa końcowa.txt", "text/plain", []byte("treść")), "addAttachment")
	post := `{method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer ` + w.reader.Token +
		`", "Accept": "application/graphql-response+json, application/json;q=0.9"}, body: JSON.stringify({query: "{ me { kind } }"})}`
	download := `{headers: {"Authorization": "Bearer ` + w.reader.Token + `"}}`

	tab.Do("open the portal", chromedp.Navigate(portal.URL))
	got := corsFetch(t, tab, s.URL+"/graphql", post, "X-Request-ID")
	if body, _ := got["body"].(string); got["status"] != float64(200) || !strings.Contains(body, `"me":{"kind":`) {
		t.Fatalf("POST /graphql from the portal: %v", got)
	}
	if id, _ := got["headers"].(map[string]any)["X-Request-ID"].(string); id == "" {
		t.Errorf("the page cannot read X-Request-ID: %v", got)
	}
	got = corsFetch(t, tab, s.URL+"/attachments/"+a.ID, download, "Content-Disposition")
	if got["status"] != float64(200) || got["body"] != "treść" ||
		got["headers"].(map[string]any)["Content-Disposition"] != "attachment; filename*=UTF-8''umowa%20ko%C5%84cowa.txt" {
		t.Fatalf("download from the portal: %v", got)
	}
	tab.Check()

	tab.Do("open another origin's page", chromedp.Navigate(stranger.URL))
	for _, req := range [][2]string{{s.URL + "/graphql", post}, {s.URL + "/attachments/" + a.ID, download}} {
		if got := corsFetch(t, tab, req[0], req[1]); got["error"] == nil {
			t.Errorf("fetch %s from another origin: %v, want a refusal", req[0], got)
		}
	}
}
