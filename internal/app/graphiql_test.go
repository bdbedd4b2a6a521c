package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestGraphiQLInBrowser opens GraphiQL (GET /) in a headless Chromium that may load from the test
// server alone, so the page must work with everything it needs served by casegate (as on a machine
// without internet access). It opens the docs explorer, runs a query without a token (refused),
// puts the token in the header editor as a person would paste it, and runs the query again.
func TestGraphiQLInBrowser(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()

	tab := browsertest.Start(t, 2*time.Minute)
	refused := tab.OnlyOrigin(s.URL)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	// editor is the CodeMirror editor inside the element that selector finds.
	editor := func(selector string) string {
		return `document.querySelector(` + jsString(selector+` .CodeMirror`) + `).CodeMirror`
	}
	response := editor(".graphiql-response") + `.getValue()`
	docsButton := `button[aria-label="Show Documentation Explorer"]`

	tab.Do("open GraphiQL", chromedp.Navigate(s.URL+"/"))
	tab.Wait("the query editor and the docs button",
		`document.querySelector(".graphiql-query-editor .CodeMirror") !== null && document.querySelector(`+jsString(docsButton)+`) !== null`,
		`document.body.innerText.slice(0, 300)`)

	tab.Do("open the docs explorer", chromedp.Click(chromedp.CSS(docsButton)))
	rootTypes := `Array.from(document.querySelectorAll(".graphiql-doc-explorer-root-type")).map(e => e.parentElement.textContent).join(", ")`
	tab.Wait("the root types in the docs", rootTypes+` === "query: Query, mutation: Mutation"`, rootTypes)
	tab.Do("open Query in the docs", chromedp.Click(chromedp.CSS(`.graphiql-doc-explorer-root-type + a`)))
	fields := `Array.from(document.querySelectorAll(".graphiql-doc-explorer-field-name")).map(e => e.textContent)`
	tab.Wait("Query's fields in the docs", fields+`.includes("me") && `+fields+`.includes("cases")`, fields+`.join(" ")`)

	// Its dialogs style themselves inline, which the page's Content-Security-Policy must allow; the
	// settings offer to keep the headers across reloads, as docs/api.md says.
	dialog := `(document.querySelector(".graphiql-dialog") || {textContent: ""}).textContent`
	tab.Do("open the settings", chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)))
	tab.Wait("the settings", dialog+`.includes("Persist headers")`, dialog)
	tab.Do("close the settings", chromedp.Click(chromedp.CSS(`.graphiql-dialog-close`)))
	tab.Wait("the settings to close", `document.querySelector(".graphiql-dialog") === null`, dialog)

	const query = `{ me { kind user { email } } }`
	browsertest.Eval[bool](tab, editor(".graphiql-query-editor")+`.setValue(`+jsString(query)+`); true`)
	// GraphiQL takes in an edit after a pause, as it does a person's typing (then it stores it).
	tab.Wait("GraphiQL to take the query in", `localStorage.getItem("graphiql:query") === `+jsString(query), `localStorage.getItem("graphiql:query")`)
	tab.Do("run the query without a token", chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)))
	tab.Wait("the refusal", response+`.includes("UNAUTHENTICATED")`, response)

	// The page opens with the Headers tab: the token goes into its editor, which GraphiQL reads when
	// it runs a query.
	headers := `.graphiql-editor-tool .graphiql-editor:not(.hidden)`
	tab.Wait("the header editor", `document.querySelector('button[data-name="headers"].active') !== null && document.querySelector(`+
		jsString(headers+` .CodeMirror`)+`) !== null`, `document.querySelector(".graphiql-editor-tools").outerHTML.slice(0, 500)`)
	header := `{"Authorization": "Bearer ` + admin.Token + `"}`
	browsertest.Eval[bool](tab, editor(headers)+`.setValue(`+jsString(header)+`); true`)
	tab.Do("run the query again with the token", chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)))
	tab.Wait("the answer", response+`.includes(`+jsString(gqltest.AdminEmail)+`)`, response)
	if got := text(response); !strings.Contains(got, `"kind": "INTERNAL"`) || strings.Contains(got, "errors") {
		t.Fatalf("the response to %s with the token: %s", query, got)
	}
	tab.Check()
	if r := refused(); len(r) > 0 {
		t.Fatalf("GraphiQL tried to load from elsewhere: %s", strings.Join(r, ", "))
	}
}

// TestGraphiQLWithAuthenticatedIntrospection follows what docs/api.md tells a GraphiQL user of a
// server whose schema is for callers with a session: without a token the docs cannot load; with the
// token in the headers, the refetch button loads them.
func TestGraphiQLWithAuthenticatedIntrospection(t *testing.T) {
	s := gqltest.Start(t, func(c *config.Config) { c.Introspection = config.IntrospectionAuthenticated })
	admin := s.Admin()
	tab := browsertest.Start(t, 2*time.Minute)
	refused := tab.OnlyOrigin(s.URL)
	docsButton := `button[aria-label="Show Documentation Explorer"]`
	docs := `(document.querySelector(".graphiql-doc-explorer") || {textContent: ""}).textContent`
	tab.Do("open GraphiQL and its docs", chromedp.Navigate(s.URL+"/"), chromedp.Click(chromedp.CSS(docsButton)))
	tab.Wait("the docs to say they could not load", docs+`.includes("Error fetching schema")`, docs)
	response := `document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue()`
	tab.Wait("the response pane to say why", response+`.includes("requires a session")`, response)

	headers := `.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror`
	browsertest.Eval[bool](tab, `localStorage.removeItem("graphiql:tabState"); document.querySelector(`+jsString(headers)+
		`).CodeMirror.setValue(`+jsString(`{"Authorization": "Bearer `+admin.Token+`"}`)+`); true`)
	// The schema is fetched with the headers GraphiQL took in, after a pause, as from a person's
	// typing; then it stores its tabs (without the headers, which it does not persist).
	tab.Wait("GraphiQL to take the header in", `localStorage.getItem("graphiql:tabState") !== null`, "")
	tab.Do("refetch the schema", chromedp.Click(chromedp.CSS(`button[aria-label="Re-fetch GraphQL schema"]`)))
	rootTypes := `Array.from(document.querySelectorAll(".graphiql-doc-explorer-root-type")).map(e => e.parentElement.textContent).join(", ")`
	tab.Wait("the root types in the docs", rootTypes+` === "query: Query, mutation: Mutation"`, docs)
	tab.Check()
	if r := refused(); len(r) > 0 {
		t.Fatalf("GraphiQL tried to load from elsewhere: %s", strings.Join(r, ", "))
	}
}
