package app_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestResetPasswordPageInBrowser opens the link of a reset mail in a headless Chromium and sets a new
// password as the person would; the page must report no error, exception or CSP violation.
func TestResetPasswordPageInBrowser(t *testing.T) {
	s := gqltest.Start(t)
	createUser(t, s.Admin(), "forgetful@casegate.test", "Forgetful")
	s.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	mails := deliver(t, s, 1)
	m := linkRE.FindStringSubmatch(mails[0])
	if m == nil {
		t.Fatalf("no reset link in %q", mails[0])
	}

	tab := browsertest.Start(t, time.Minute)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	msg := `document.getElementById("msg").textContent`
	tab.Do("open the link", chromedp.Navigate(s.URL+"/reset-password?token="+m[1]))
	if u := text(`location.pathname + location.search`); u != "/reset-password" {
		t.Fatalf("the token stays in the address bar: %s", u)
	}
	tab.Do("type two different passwords", chromedp.SendKeys(chromedp.ID("password"), "brand-new-pass-2"),
		chromedp.SendKeys(chromedp.ID("confirm"), "brand-new-pass-3"), chromedp.Click(chromedp.CSS(`#form button`)))
	tab.Wait("the mismatch", msg+` === "The two passwords differ."`, msg)
	tab.Do("correct the second", chromedp.SendKeys(chromedp.ID("confirm"), kb.Backspace+"2"), chromedp.Click(chromedp.CSS(`#form button`)))
	tab.Wait("the new password", msg+` === "Your password has been changed. You can now log in with it."`, msg)
	if !browsertest.Eval[bool](tab, `document.getElementById("form").hidden`) {
		t.Fatal("the form stays after the change")
	}
	tab.Check()
	s.Login("forgetful@casegate.test", "brand-new-pass-2")
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password'`); n != 1 {
		t.Fatalf("password change audited %d times, want 1", n)
	}
}
