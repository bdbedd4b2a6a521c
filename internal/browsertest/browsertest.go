// Package browsertest runs casegate's web pages in a real, headless Chromium for tests that drive
// them as a person would, and fails those tests on what the page reports to its console: uncaught
// exceptions, errors, failed loads and Content-Security-Policy violations.
//
// Without a browser the tests skip, unless CASEGATE_BROWSER_TESTS=required (or CI=true) says
// that they must run: .ci/run installs Chromium and sets it.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// RequiredEnv names the variable that turns a missing browser from a skip into a failure.
const RequiredEnv = "CASEGATE_BROWSER_TESTS"

// browsers are the names Chromium goes by in PATH (Debian's chromium first).
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Tab is one browser tab. Ctx runs chromedp actions in it; it ends with the test or the timeout
// given to Start, whichever comes first.
type Tab struct {
	Ctx context.Context
	t   testing.TB

	mu       sync.Mutex
	problems []string
	drained  chan struct{}
}

// Start starts a headless Chromium with a fresh profile and opens a tab, or skips the test when
// there is none (fails it where browser tests are required). Everything the tab does must finish
// within timeout; the browser is closed, and its process waited for, when the test ends.
func Start(t testing.TB, timeout time.Duration) *Tab {
	t.Helper()
	path := find()
	if path == "" {
		msg := "no Chromium in PATH (" + strings.Join(browsers, ", ") + "): install it, e.g. apt-get install chromium"
		if required() {
			t.Fatal(msg + "; browser tests are required here (" + RequiredEnv + "=required or CI=true)")
		}
		t.Skip(msg + "; the browser test is skipped (" + RequiredEnv + "=required makes it fail)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1024, 900),
		// No UserDataDir: the allocator makes a fresh profile for each browser and removes it.
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	tab := &Tab{Ctx: ctx, t: t, drained: make(chan struct{})}
	t.Cleanup(func() {
		cancelTab()      // closes the browser
		cancelAlloc()    // and waits for its process
		cancelDeadline() // ends the console's reader
		<-tab.drained
	})
	// Started before anything else: a failed start must not be tried again on the same context
	// (chromedp then panics).
	if err := chromedp.Do(ctx); err != nil {
		close(tab.drained)
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	// Subscribed before the first page loads, so nothing the page reports is missed.
	go tab.collect(chromedp.Console(ctx))
	return tab
}

func find() string {
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func required() bool {
	return os.Getenv(RequiredEnv) == "required" || os.Getenv("CI") == "true"
}

// collect keeps what a working page never reports: exceptions, errors (a failed request among
// them) and anything of the browser's security log (CSP violations).
func (tab *Tab) collect(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	defer close(tab.drained)
	for m, err := range messages {
		if err != nil {
			return
		}
		if m.IsException() || m.Type == chromedp.ConsoleError || m.Source == "security" {
			tab.mu.Lock()
			tab.problems = append(tab.problems, fmt.Sprintf("%s %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
			tab.mu.Unlock()
		}
	}
}

// Problems returns what the page reported so far that a working page never reports.
func (tab *Tab) Problems() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.problems...)
}

// Check fails the test when the page reported a problem so far.
func (tab *Tab) Check() {
	tab.t.Helper()
	if p := tab.Problems(); len(p) > 0 {
		tab.t.Fatalf("the page reported:\n%s", strings.Join(p, "\n"))
	}
}

// stepTimeout bounds one step, so that a step that cannot happen (a missing element, a page that
// stopped) fails soon and says which step it was.
const stepTimeout = 30 * time.Second

// Do runs actions in the tab, failing the test with what the page reported when one fails.
func (tab *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.fail(what, err)
	}
	tab.Check()
}

// Eval evaluates a JavaScript expression in the page and decodes its value into T.
func Eval[T any](tab *Tab, expression string) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		tab.fail("evaluate "+expression, err)
	}
	return v
}

// Wait waits until a JavaScript expression is truthy in the page; it fails the test, saying what
// it waited for and what the page shows (explain, an expression giving a string), when the page
// reports a problem first or the tab's time runs out.
func (tab *Tab) Wait(what, expression, explain string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, stepTimeout)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a page that failed will not get there: stop waiting at its first problem
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if len(tab.Problems()) > 0 {
					cancel()
					return
				}
			}
		}
	}()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(0)))
	if err != nil {
		state := ""
		if explain != "" {
			shown, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](explain))
			state = "; the page shows: " + shown
		}
		tab.fail("wait for "+what+state, err)
	}
	tab.Check()
}

func (tab *Tab) fail(what string, err error) {
	tab.t.Helper()
	if p := tab.Problems(); len(p) > 0 {
		tab.t.Fatalf("%s: %v; the page reported:\n%s", what, err, strings.Join(p, "\n"))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("out of time (%w)", err)
	}
	tab.t.Fatalf("%s: %v", what, err)
}

// OnlyOrigin lets the tab load from origin (scheme://host:port) alone: every request it makes
// elsewhere is refused before it leaves the browser, as a blocker would refuse it (the page sees
// net::ERR_BLOCKED_BY_CLIENT and reports a failed load, which Check fails on), and recorded. Call it
// before the first Navigate. It returns the URLs refused so far, so that a test can show what a page
// tried to reach: a page whose assets all come from its server works offline.
func (tab *Tab) OnlyOrigin(origin string) (refused func() []string) {
	tab.t.Helper()
	var mu sync.Mutex
	var urls []string
	paused := chromedp.Events(tab.Ctx, fetch.RequestPaused) // subscribed before requests are paused
	ctx, cancel := context.WithTimeout(tab.Ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{}); err != nil { // every request pauses
		tab.fail("intercept requests", err)
	}
	go func() { // ends with the tab; it must not touch tab.t, which may have ended by then
		for ev, err := range paused {
			if err != nil {
				return
			}
			u := ev.Request.URL
			if u == origin || strings.HasPrefix(u, origin+"/") {
				_, _ = chromedp.Call(tab.Ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			mu.Lock()
			urls = append(urls, u)
			mu.Unlock()
			_, _ = chromedp.Call(tab.Ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

// Download runs action, which makes the page download a file, and returns the file's name (as the
// page suggested it) and content as the browser saved them.
func (tab *Tab) Download(what string, action chromedp.Action[chromedp.Void]) (name string, content []byte) {
	tab.t.Helper()
	dir := tab.t.TempDir()
	ctx, cancel := context.WithTimeout(tab.Ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)})
	if err != nil {
		tab.fail(what, err)
	}
	begun, progress := chromedp.Events(ctx, browser.DownloadWillBegin), chromedp.Events(ctx, browser.DownloadProgress)
	tab.Do(what, action)
	// The loops only take what they need: failing inside one would blame this file, not the test.
	var beginErr, endErr error
	for ev, err := range begun {
		name, beginErr = ev.SuggestedFilename, err
		break
	}
	if beginErr != nil {
		tab.fail(what+": no download began", beginErr)
	}
	var done *browser.EventDownloadProgress
	for ev, err := range progress {
		if err != nil || ev.State != browser.DownloadProgressStateInProgress {
			done, endErr = &ev, err
			break
		}
	}
	switch {
	case endErr != nil:
		tab.fail(what+": the download did not end", endErr)
	case done == nil:
		tab.t.Fatalf("%s: the download did not end", what)
	case done.State != browser.DownloadProgressStateCompleted:
		tab.t.Fatalf("%s: the download ended %s", what, done.State)
	}
	content, err = os.ReadFile(filepath.Join(dir, done.GUID))
	if err != nil {
		tab.t.Fatal(err)
	}
	return name, content
}
