package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// portalState is what the portal shows, for the messages of failed waits.
const portalState = `["login", "forgot", "home", "case", "new"].filter((id) => !document.getElementById(id).hidden).join(",") +
	" visible at " + location.pathname + location.hash + "; message: " + document.getElementById("msg").textContent`

const msgText = `document.getElementById("msg").textContent`

func shownJS(id string) string { return `!document.getElementById("` + id + `").hidden` }

// TestPortalPageFiles: the pages' files are served with their types, the shared ones at /static/,
// and the pages with the strict policy; the CSS the shared file replaced is gone.
func TestPortalPageFiles(t *testing.T) {
	s := gqltest.Start(t)
	for path, want := range map[string]string{
		"/portal/":                     "text/html; charset=utf-8",
		"/portal/static/portal.js":     "text/javascript; charset=utf-8",
		"/activate/some-token":         "text/html; charset=utf-8",
		"/activate/static/activate.js": "text/javascript; charset=utf-8",
		"/static/casegate.css":         "text/css; charset=utf-8",
		"/static/casegate.js":          "text/javascript; charset=utf-8",
	} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != want {
			t.Errorf("GET %s: %d %q, want 200 %q", path, res.StatusCode, res.Header.Get("Content-Type"), want)
		}
		if strings.HasSuffix(want, "html; charset=utf-8") && !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: no strict Content-Security-Policy", path)
		}
	}
	for _, path := range []string{"/access/static/access.css", "/reset-password/static/reset.css", "/static/portal.js", "/portal/static/casegate.css"} {
		if code, _ := s.Get(path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
}

// TestPortalPagesWithoutSession opens the portal, the invitation page and the access page in a
// headless Chromium without a session: the portal offers its login (and refuses a wrong password
// and an empty form in the page), the invitation page says clearly that a bad link is bad (and
// keeps the token out of the address bar and the log), and the three pages share one look.
func TestPortalPagesWithoutSession(t *testing.T) {
	s := gqltest.Start(t)
	tab := browsertest.Start(t, 2*time.Minute)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}
	look := `getComputedStyle(document.querySelector("header.bar")).backgroundColor + " " + getComputedStyle(document.body).fontFamily`

	tab.Do("open the portal", chromedp.Navigate(s.URL+"/portal/"))
	tab.Wait("the login form", shownJS("login"), portalState)
	expect("views", text(portalState), "login visible at /portal/; message: ")
	portalLook := text(look)
	if !strings.HasPrefix(portalLook, "rgb(31, 95, 191) ") {
		t.Fatalf("the portal does not have casegate's look: %s", portalLook)
	}
	tab.Do("log in with nothing", chromedp.Click(chromedp.CSS(`#login button[type=submit]`)))
	tab.Wait("the refusal", msgText+` === "Enter your e-mail address and your password."`, portalState)
	tab.Do("log in with a wrong password", chromedp.SendKeys(chromedp.ID("email"), "nobody@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong-password-1"), chromedp.Click(chromedp.CSS(`#login button[type=submit]`)))
	tab.Wait("the login's refusal", msgText+` !== "Enter your e-mail address and your password." && document.getElementById("msg").className === "err"`, portalState)
	expect("the session after a refused login", text(`sessionStorage.getItem("casegate-portal") || "none"`), "none")
	tab.Do("forgot the password", chromedp.Click(chromedp.ID("forgot-link")))
	tab.Wait("the reset form", shownJS("forgot"), portalState)
	expect("the address", text(`location.hash`), "#forgot")
	expect("the e-mail carried over", text(`document.getElementById("forgot-email").value`), "nobody@example.com")
	tab.Do("ask for a link", chromedp.Click(chromedp.CSS(`#forgot button[type=submit]`)))
	tab.Wait("the answer", shownJS("login")+` && `+msgText+`.startsWith("If the address belongs to an account")`, portalState)

	// An invitation link that is not one: the page says so once the guest tries it.
	const bad = "bad-invitation-token-0123456789abcdefghijklmnopqrstuvwxyz"
	tab.Do("open a bad invitation", chromedp.Navigate(s.URL+"/activate/"+bad))
	expect("the address bar", text(`location.pathname`), "/activate/")
	expect("the look", text(look), portalLook)
	tab.Do("choose a password", chromedp.SendKeys(chromedp.ID("password"), "guest-password-1"),
		chromedp.SendKeys(chromedp.ID("confirm"), "guest-password-1"), chromedp.Click(chromedp.CSS(`#form button`)))
	tab.Wait("the refusal", `document.getElementById("form").hidden`, msgText)
	expect("message", text(msgText), "This invitation link is invalid, used up or expired. Ask your contact at the organisation"+
		" for a new invitation, or, if you have activated your account already, log in to the client portal.")
	expect("the way on", text(`document.querySelector("#next a").getAttribute("href")`), "/portal/")
	tab.Do("open the page without a link", chromedp.Navigate(s.URL+"/activate/"))
	tab.Wait("the message", `document.getElementById("form").hidden`, msgText)
	expect("message", text(msgText), "This page needs the link from your invitation e-mail.")

	// The access page and the reset page look the same.
	tab.Do("open the access page without a link", chromedp.Navigate(s.URL+"/access/"))
	tab.Wait("the message", msgText+` !== ""`, msgText)
	expect("message", text(msgText), "This page needs the link from your e-mail.")
	expect("the access page's look", text(look), portalLook)
	tab.Do("open the reset page without a token", chromedp.Navigate(s.URL+"/reset-password"))
	expect("the reset page's look", text(look), portalLook)
	tab.Check()

	if logs := s.Logs(); strings.Contains(logs, bad) || !strings.Contains(logs, "path=/activate/ ") {
		t.Fatal("the invitation's token reached the request log, or /activate/ is not logged")
	}
}
