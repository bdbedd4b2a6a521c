package app_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// portalState is what the portal shows, for the messages of failed waits.
const portalState = `["login", "forgot", "home", "case", "new"].filter((id) => !document.getElementById(id).hidden).join(",") +
	" visible at " + location.pathname + location.hash + "; message: " + document.getElementById("msg").textContent`

const msgText = `document.getElementById("msg").textContent`

// shownJS is true when the view id is shown and has loaded.
func shownJS(id string) string {
	return `(!document.getElementById("` + id + `").hidden && !document.body.hasAttribute("aria-busy"))`
}

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

// TestPortalGuestPath drives the whole guest path in a headless Chromium: an administrator enables
// guest access for ACME's contact, the invitation arrives by mail, the guest opens its link,
// chooses a password and lands in the portal, sees ACME's project and the case it was given WRITE
// on, opens it as a form with its modes (the internal section absent, a read-only field read-only,
// the required one marked and enforced), saves a change, comments, attaches a file and downloads
// the one shared with it, opens a new service request, and logs out; then it forgets its password,
// resets it through the mailed link and logs in with the new one. The pages must report no error,
// exception or CSP violation on the way. It runs with a trusted-documents manifest that lists none
// of the portal's documents: the server's own pages must work whatever the manifest holds.
func TestPortalGuestPath(t *testing.T) {
	s := gqltest.Start(t, trustedDocuments(t, "query Unrelated { __typename }"))
	admin := s.Admin()
	var company struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	const email = "jan.klient@acme.test"
	contact := newContact(t, admin, "Jan Klient", email, company.CreateCompany.ID)
	var project struct{ CreateProject struct{ ID string } }
	admin.Do(`mutation($c: ID) { createProject(name: "Serwis ACME", counterpartyId: $c) { id } }`,
		map[string]any{"c": company.CreateCompany.ID}).MustOK(t).Decode(t, &project)
	var created struct{ CreateServiceRequest struct{ ID string } }
	admin.Do(`mutation($p: ID) { createServiceRequest(title: "Awaria drukarki", projectId: $p, input: {
		request: {subject: "Drukarka", description: "Nie drukuje od rana"}, internal: {estimate: "250.00", internalNotes: "Klient VIP"}}) { id } }`,
		map[string]any{"p": project.CreateProject.ID}).MustOK(t).Decode(t, &created)
	caseID := created.CreateServiceRequest.ID
	admin.Do(`mutation($id: ID!, $c: ID!) { setCaseAcl(caseId: $id, entries: [{contactId: $c, rights: [WRITE]}]) { id } }`,
		map[string]any{"id": caseID, "c": contact}).MustOK(t)
	admin.Do(`mutation($id: ID!) { setCaseFieldMode(caseId: $id, field: "request.description", mode: READ_ONLY) { id } }`,
		map[string]any{"id": caseID}).MustOK(t)
	add := `mutation($c: ID!, $v: Boolean, $file: Upload!) { addAttachment(caseId: $c, file: $file, visibleToExternal: $v) { id } }`
	uploadFile(t, admin, add, map[string]any{"c": caseID, "v": true}, "instrukcja.txt", "text/plain", []byte("Wyłącz i włącz")).MustOK(t)
	uploadFile(t, admin, add, map[string]any{"c": caseID}, "wycena.txt", "text/plain", []byte("internal")).MustOK(t)
	admin.Do(`mutation($c: ID!) { addComment(caseId: $c, text: "Technik przyjedzie jutro.", visibleToExternal: true) { id } }`,
		map[string]any{"c": caseID}).MustOK(t)
	admin.Do(`mutation($c: ID!) { addComment(caseId: $c, text: "Sprawdzić umowę serwisową.") { id } }`, map[string]any{"c": caseID}).MustOK(t)

	enableGuest(t, admin, contact)
	token := lastInvitation(t, s, email, 1)

	tab := browsertest.Start(t, 4*time.Minute)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}
	submit := func(form string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`#` + form + ` button[type=submit]`))
	}
	// chromedp.ID would read the dot in a field's id as a class.
	field := func(id string) chromedp.CSS { return chromedp.CSS(`[id="` + id + `"]`) }
	fields := func(root string) string {
		return text(`Array.from(document.querySelectorAll("#` + root + ` input")).map((i) =>
			i.dataset.section + "." + i.dataset.field + (i.disabled ? ":ro=" : ":rw=") + i.value).sort().join(" ")`)
	}
	required := func(root string) string {
		return text(`Array.from(document.querySelectorAll("#` + root + ` label")).filter((l) => l.querySelector(".req")).
			map((l) => l.htmlFor).sort().join(" ")`)
	}
	formValue := func(id, path string) string {
		t.Helper()
		var v string
		if err := s.DB.QueryRowContext(t.Context(), `SELECT coalesce(form_values #>> ?, '') FROM cases WHERE id = ?`, "{"+path+"}", id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	// The invitation: choose a password, on to the portal, logged in.
	tab.Do("open the invitation", chromedp.Navigate(s.URL+"/activate/"+token))
	expect("the address bar", text(`location.pathname`), "/activate/")
	tab.Do("choose a password", chromedp.SendKeys(chromedp.ID("password"), "guest-password-1"),
		chromedp.SendKeys(chromedp.ID("confirm"), "guest-password-1"), chromedp.Click(chromedp.CSS(`#form button`)))
	// The page navigates: wait for the portal's element first (a poll would end with the old page).
	tab.Do("arrive in the portal", chromedp.WaitVisible(chromedp.ID("home")))
	tab.Wait("the projects", `location.pathname === "/portal/" && `+shownJS("home"), portalState)
	expect("who", text(`document.getElementById("who").textContent`), "Jan Klient · ACME")
	expect("projects", text(`Array.from(document.querySelectorAll("#projects .project")).map((p) =>
		p.querySelector("h3").textContent + ": " + Array.from(p.querySelectorAll("li a")).map((a) => a.textContent).join(",")).join("; ")`),
		"Serwis ACME: Awaria drukarki")
	expect("new requests", text(`Array.from(document.querySelectorAll("#create-proc option")).map((o) => o.value).join(",")`), "service-request")

	// The case as a form with the guest's modes.
	tab.Do("open the case", chromedp.Click(chromedp.CSS(`#projects li a`)))
	tab.Wait("the case", shownJS("case")+` && document.querySelectorAll("#case-fields input").length > 0`, portalState)
	expect("title", text(`document.getElementById("case-title").textContent`), "Awaria drukarki")
	expect("fields", fields("case-fields"), "request.description:ro=Nie drukuje od rana request.subject:rw=Drukarka")
	expect("required", required("case-fields"), "f-request.subject")
	expect("internal fields", text(`String(document.body.innerHTML.includes("internal") || document.body.innerHTML.includes("Wycena"))`), "false")
	expect("files", text(`Array.from(document.querySelectorAll("#files li")).map((li) => li.firstChild.textContent).join(",")`), "instrukcja.txt")
	expect("comments", text(`Array.from(document.querySelectorAll("#notes li")).map((li) => li.firstChild.textContent).join(",")`),
		"Technik przyjedzie jutro.")

	// Required is enforced in the page: nothing is sent.
	tab.Do("blank the subject and save", chromedp.SetValue(field("f-request.subject"), " "), chromedp.Click(chromedp.ID("save")))
	tab.Wait("the refusal", msgText+` === "Fill in the required fields: Temat."`, portalState)
	expect("marked", text(`document.getElementById("f-request.subject").className`), "invalid")
	expect("subject after the refusal", formValue(caseID, "request,subject"), "Drukarka")
	tab.Do("write a subject and save", chromedp.SendKeys(field("f-request.subject"), "Drukarka HP w sekretariacie"), chromedp.Click(chromedp.ID("save")))
	tab.Wait("the save", msgText+` === "Saved."`, portalState)
	expect("subject", formValue(caseID, "request,subject"), "Drukarka HP w sekretariacie")
	expect("description", formValue(caseID, "request,description"), "Nie drukuje od rana")
	expect("estimate", formValue(caseID, "internal,estimate"), "250.00")

	// Comments and attachments.
	tab.Do("comment", chromedp.SendKeys(chromedp.ID("note"), "Proszę o naprawę do jutra."), chromedp.Click(chromedp.ID("comment")))
	tab.Wait("the comment", `document.querySelectorAll("#notes li").length === 2`, portalState)
	if c := text(`document.querySelectorAll("#notes li")[1].textContent`); !strings.HasPrefix(c, "Proszę o naprawę do jutra. (Jan Klient, ") {
		t.Fatalf("comment: %q", c)
	}
	name, content := tab.Download("download the shared file", chromedp.Click(chromedp.CSS(`#files li button`)))
	expect("downloaded file", name+" "+string(content), "instrukcja.txt Wyłącz i włącz")
	photo := filepath.Join(t.TempDir(), "zdjecie.txt")
	if err := os.WriteFile(photo, []byte("Zdjęcie drukarki"), 0o600); err != nil {
		t.Fatal(err)
	}
	tab.Do("attach a file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{photo}), chromedp.Click(chromedp.ID("upload")))
	tab.Wait("the upload", msgText+` === "The file is attached." && document.querySelectorAll("#files li").length === 2`, portalState)
	expect("files", text(`Array.from(document.querySelectorAll("#files li")).map((li) => li.firstChild.textContent).join(",")`),
		"instrukcja.txt,zdjecie.txt")
	name, content = tab.Download("download the own file", chromedp.Click(chromedp.CSS(`#files li:nth-child(2) button`)))
	expect("downloaded file", name+" "+string(content), "zdjecie.txt Zdjęcie drukarki")

	// A new service request.
	tab.Do("back to the projects", chromedp.Click(chromedp.CSS(`#case button.back`)))
	tab.Wait("the projects", shownJS("home")+` && document.querySelectorAll("#projects .project").length === 1`, portalState)
	tab.Do("open a new request", chromedp.Click(chromedp.ID("create-open")))
	tab.Wait("the new request", shownJS("new")+` && document.querySelectorAll("#new-fields input").length > 0`, portalState)
	expect("heading", text(`document.getElementById("new-heading").textContent`), "Zgłoszenie serwisowe")
	expect("new fields", fields("new-fields"), "request.description:rw= request.subject:rw=")
	expect("new required", required("new-fields"), "n-request.subject")
	expect("projects", text(`Array.from(document.getElementById("new-project").options).map(o => (o.selected ? "*" : "") + o.textContent).join("|")`),
		"*(default)|Serwis ACME")
	tab.Do("send it empty", chromedp.Click(chromedp.CSS(`#new button[type=submit]`)))
	tab.Wait("the refusal", msgText+` === "Fill in the required fields: Temat."`, portalState)
	tab.Do("fill it in and send it", chromedp.SendKeys(chromedp.ID("new-title"), "Skaner nie skanuje"),
		chromedp.SendKeys(field("n-request.subject"), "Skaner"), chromedp.SendKeys(field("n-request.description"), "Kod błędu 42"),
		chromedp.Click(chromedp.CSS(`#new button[type=submit]`)))
	tab.Wait("the new case", shownJS("case")+` && `+msgText+` === "Your request has been sent."`, portalState)
	expect("new case", text(`document.getElementById("case-title").textContent`), "Skaner nie skanuje")
	newID := strings.TrimPrefix(text(`location.hash`), "#case/")
	if n := s.Count(`SELECT count(*) FROM cases c JOIN users u ON u.id = c.creator_id WHERE c.id = ? AND u.contact_id = ? AND c.project_id = ?
		AND c.procedure = 'service-request'`, newID, contact, project.CreateProject.ID); n != 1 {
		t.Fatal("the new request is not the guest's, in ACME's project")
	}
	expect("new subject", formValue(newID, "request,subject")+" | "+formValue(newID, "request,description"), "Skaner | Kod błędu 42")

	// Log out: the session ends.
	session := text(`JSON.parse(sessionStorage.getItem("casegate-portal")).token`)
	tab.Do("log out", chromedp.Click(chromedp.ID("logout")))
	tab.Wait("the login", shownJS("login")+` && `+msgText+` === "You have logged out."`, portalState)
	expect("the stored session", text(`sessionStorage.getItem("casegate-portal")`), "{}")
	s.WithToken(session).Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")

	// Forgot the password: the mailed link, the reset page, a login with the new one.
	tab.Do("forgot the password", chromedp.Click(chromedp.ID("forgot-link")))
	tab.Wait("the reset form", shownJS("forgot"), portalState)
	tab.Do("ask for a link", chromedp.SendKeys(chromedp.ID("forgot-email"), email), chromedp.Click(chromedp.CSS(`#forgot button[type=submit]`)))
	tab.Wait("the answer", shownJS("login")+` && `+msgText+`.startsWith("If the address belongs to an account")`, portalState)
	var link []string
	for _, m := range mailsTo(t, s, email) {
		if l := linkRE.FindStringSubmatch(m.Body); l != nil {
			link = l
		}
	}
	if link == nil {
		t.Fatal("no password-reset mail")
	}
	tab.Do("open the reset link", chromedp.Navigate(s.URL+"/reset-password?token="+link[1]))
	tab.Do("choose a new password", chromedp.SendKeys(chromedp.ID("password"), "guest-password-2"),
		chromedp.SendKeys(chromedp.ID("confirm"), "guest-password-2"), chromedp.Click(chromedp.CSS(`#form button`)))
	tab.Wait("the new password", msgText+` === "Your password has been changed. You can now log in with it."`, msgText)
	tab.Do("on to the portal", chromedp.Click(chromedp.CSS(`#next a`)), chromedp.WaitVisible(chromedp.ID("login")))
	expect("the address", text(`location.pathname`), "/portal/")
	tab.Do("log in with the old password", chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "guest-password-1"), submit("login"))
	tab.Wait("the refusal", `document.getElementById("msg").className === "err"`, portalState)
	tab.Do("log in with the new password", chromedp.SendKeys(chromedp.ID("password"), strings.Repeat(kb.Backspace, len("guest-password-1"))),
		chromedp.SendKeys(chromedp.ID("password"), "guest-password-2"), submit("login"))
	tab.Wait("the projects", shownJS("home")+` && document.querySelectorAll("#projects .project li a").length === 2`, portalState)
	tab.Check()

	if strings.Contains(s.Logs(), token) {
		t.Fatal("the invitation's token reached the request log")
	}
}
