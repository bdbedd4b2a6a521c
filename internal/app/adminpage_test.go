package app_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// adminState is what the administration page shows, for the messages of failed waits.
const adminState = `["login", "home"].filter((id) => !document.getElementById(id).hidden).join(",") +
	" visible at " + location.pathname + location.hash + (document.body.hasAttribute("aria-busy") ? " (busy)" : "") +
	"; message: " + document.getElementById("msg").textContent`

// adminCell is the selector of a cell of the page's matrix grid, "target@stage/AUDIENCE" (stage *
// for the base mode of every stage).
func adminCell(key string) string { return `#grid td[data-cell="` + key + `"]` }

// TestAdminPageFiles: the page and its two files are served with their types and the page with the
// strict policy; files it does not have are not found.
func TestAdminPageFiles(t *testing.T) {
	s := gqltest.Start(t)
	for path, want := range map[string]string{
		"/admin/":                 "text/html; charset=utf-8",
		"/admin/static/admin.js":  "text/javascript; charset=utf-8",
		"/admin/static/admin.css": "text/css; charset=utf-8",
	} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != want {
			t.Errorf("GET %s: %d %q, want 200 %q", path, res.StatusCode, res.Header.Get("Content-Type"), want)
		}
		if strings.HasPrefix(want, "text/html") && (!strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
			res.Header.Get("Cache-Control") != "no-store") {
			t.Errorf("GET %s: no strict Content-Security-Policy or cached", path)
		}
	}
	for _, path := range []string{"/admin/static/portal.js", "/admin/static/casegate.css", "/admin/static/index.html"} {
		if code, _ := s.Get(path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
}

// TestAdminPageRefusesOthers: the page refuses everyone but an administrator with a clear message
// and ends the session it was given: a wrong password, an employee without ADMIN and a client's
// guest. It runs with a trusted-documents manifest that lists none of the page's documents, so
// that the guest, whom a manifest restricts, sees the page's refusal, not OPERATION_NOT_TRUSTED.
func TestAdminPageRefusesOthers(t *testing.T) {
	s := gqltest.Start(t, trustedDocuments(t, "query Unrelated { __typename }"))
	admin := s.Admin()
	employee := createUser(t, admin, "ewa.pracownik@casegate.test", "Ewa Pracownik")
	var company struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	const guestEmail = "jan.klient@acme.test"
	enableGuest(t, admin, newContact(t, admin, "Jan Klient", guestEmail, company.CreateCompany.ID))
	activate(s.Anonymous(), lastInvitation(t, s, guestEmail, 1), "guest-password-1").MustOK(t)

	tab := browsertest.Start(t, 2*time.Minute)
	refused := tab.OnlyOrigin(s.URL)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	logIn := func(email, pw string) {
		t.Helper()
		tab.Do("log in as "+email, chromedp.Evaluate[chromedp.Void](`document.getElementById("email").value = document.getElementById("password").value = ""`),
			chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.CSS(`#login button[type=submit]`)))
	}
	const refusal = "This page is for administrators only. Log in with an administrator's account."

	tab.Do("open the page", chromedp.Navigate(s.URL+"/admin/"))
	tab.Wait("the login form", shownJS("login"), adminState)
	look := `getComputedStyle(document.querySelector("header.bar")).backgroundColor + " " + getComputedStyle(document.body).fontFamily`
	if got := text(look); !strings.HasPrefix(got, "rgb(31, 95, 191) ") {
		t.Fatalf("the page does not have casegate's look: %s", got)
	}
	logIn("ewa.pracownik@casegate.test", "wrong-password-1")
	tab.Wait("the login's refusal", `document.getElementById("msg").className === "err" && `+shownJS("login"), adminState)

	for _, who := range []struct{ email, password, kind string }{
		{"ewa.pracownik@casegate.test", "user-password-1", "INTERNAL"},
		{guestEmail, "guest-password-1", "EXTERNAL"},
	} {
		before := s.Count(`SELECT count(*) FROM sessions WHERE kind = ?`, who.kind)
		logIn(who.email, who.password)
		tab.Wait("the refusal of "+who.email, msgText+` === "`+refusal+`" && `+shownJS("login"), adminState)
		if got := text(`document.getElementById("home").hidden + " " + (sessionStorage.getItem("casegate-admin") || "none")`); got != `true {}` {
			t.Fatalf("%s: after the refusal the page keeps %s", who.email, got)
		}
		if after := s.Count(`SELECT count(*) FROM sessions WHERE kind = ?`, who.kind); after != before {
			t.Fatalf("%s: %d %s sessions after the refusal, %d before: the page did not end it", who.email, after, who.kind, before)
		}
	}
	if n := s.Count(`SELECT count(*) FROM sessions WHERE user_id = ?`, employee); n != 0 {
		t.Fatalf("the employee keeps %d sessions", n)
	}
	tab.Check()
	if r := refused(); len(r) > 0 {
		t.Fatalf("the page reached beyond its server: %v", r)
	}
}

// TestAdminPageMatrix drives the page as an administrator in a headless Chromium: log in, pick the
// service request's procedure, read the matrix (stages across, sections and fields down, internal
// and external, each cell with where its mode comes from), change two cells with the keyboard and
// a click, save them in one go, see them in the grid, through GraphQL and in the history; be told
// to reload when someone else saved first; then open a case and page through its audience, the
// user it was shared with among it with the rule. The page must report no error, exception or CSP
// violation, and load nothing from another host.
func TestAdminPageMatrix(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	ola := createUser(t, admin, "ola.serwis@casegate.test", "Ola Serwis")
	var group struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Serwis") { id } }`, nil).MustOK(t).Decode(t, &group)
	for i := range 55 { // more than one page of the audience
		u := createUser(t, admin, fmt.Sprintf("serwisant%02d@casegate.test", i), fmt.Sprintf("Serwisant %02d", i))
		admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`,
			map[string]any{"g": group.CreateGroup.ID, "u": u}).MustOK(t)
	}
	var created struct{ CreateServiceRequest struct{ ID string } }
	admin.Do(`mutation { createServiceRequest(title: "Awaria drukarki", input: {request: {subject: "Drukarka"}}) { id } }`, nil).
		MustOK(t).Decode(t, &created)
	caseID := created.CreateServiceRequest.ID
	admin.Do(`mutation($id: ID!, $u: ID!, $g: ID!) { setCaseAcl(caseId: $id, entries: [{userId: $u, rights: [READ]}, {groupId: $g, rights: [READ]}]) { id } }`,
		map[string]any{"id": caseID, "u": ola, "g": group.CreateGroup.ID}).MustOK(t)

	type matrix struct {
		AccessMatrix struct {
			Version int
			Rows    []struct {
				Target string
				Cells  []struct{ Stage, Audience, Configured, Mode, Source string }
			}
		}
	}
	readMatrix := func() matrix {
		t.Helper()
		var m matrix
		admin.Do(`{ accessMatrix(procedure: "service-request") { version rows { target cells { stage audience configured mode source } } } }`, nil).
			MustOK(t).Decode(t, &m)
		return m
	}
	inForce := func(m matrix, target, stage, audience string) string {
		t.Helper()
		for _, r := range m.AccessMatrix.Rows {
			for _, c := range r.Cells {
				if r.Target == target && c.Stage == stage && c.Audience == audience {
					return c.Mode + " " + c.Source
				}
			}
		}
		t.Fatalf("no cell %s@%s/%s in the matrix", target, stage, audience)
		return ""
	}
	start := readMatrix()

	tab := browsertest.Start(t, 3*time.Minute)
	refused := tab.OnlyOrigin(s.URL)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}
	ready := `!document.body.hasAttribute("aria-busy")`
	// cell reads a grid cell: its select's value, the first option's text, and its source.
	cell := func(key string) string {
		t.Helper()
		return text(`(() => { const td = document.querySelector('` + adminCell(key) + `'); if (!td) return "missing";
			const s = td.querySelector("select"); return s.value + "|" + s.options[0].text + "|" + (td.dataset.source || "") +
			(td.classList.contains("edited") ? "|edited" : ""); })()`)
	}
	choose := func(key, value string) {
		t.Helper()
		tab.Do("choose "+value+" in "+key, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('`+adminCell(key)+` select');
			s.value = "`+value+`"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	}

	tab.Do("open the page", chromedp.Navigate(s.URL+"/admin/"))
	tab.Wait("the login form", shownJS("login"), adminState)
	tab.Do("log in", chromedp.SendKeys(chromedp.ID("email"), gqltest.AdminEmail), chromedp.SendKeys(chromedp.ID("password"), gqltest.AdminPassword),
		chromedp.Click(chromedp.CSS(`#login button[type=submit]`)))
	tab.Wait("the matrix", shownJS("home")+` && document.querySelector("#grid tbody tr")`, adminState)
	if !strings.Contains(text(`Array.from(document.querySelectorAll("#procedure option")).map((o) => o.value).join(",")`), "service-request") {
		t.Fatal("the service request is not among the procedures")
	}
	tab.Do("pick the service request", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("procedure");
		s.value = "service-request"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	tab.Wait("its matrix", ready+` && document.querySelector('#grid tr[data-target="request.subject"]')`, adminState)
	expect("the address", text(`location.hash`), "#procedure/service-request")
	expect("the columns", text(`Array.from(document.querySelectorAll("#grid thead th")).map((th) => th.textContent).join(",")`),
		"Section / field,All stages,NEW,IN_PROGRESS,DONE,Internal,External,Internal,External,Internal,External,Internal,External")
	expect("the rows", text(`Array.from(document.querySelectorAll("#grid tbody tr")).map((tr) => tr.dataset.target).join(",")`),
		"request,request.subject,request.description,internal,internal.estimate,internal.internalNotes")
	expect("the meta", text(`document.getElementById("matrix-meta").textContent`),
		"Version "+strconv.Itoa(start.AccessMatrix.Version)+" of the settings · stages: NEW → IN_PROGRESS → DONE")
	// The internal section is hidden from external users by the schema; the base shows it, a stage
	// without an exception leaves it to the base and says what it is in force.
	expect("internal's base for external users", cell("internal@*/EXTERNAL"), "HIDDEN|Schema default|")
	expect("internal at NEW for external users", cell("internal@NEW/EXTERNAL"), "|= Hidden|"+strings.Fields(inForce(start, "internal", "NEW", "EXTERNAL"))[1])
	expect("the subject at NEW", text(`document.querySelector('`+adminCell("request.subject@NEW/INTERNAL")+` select').getAttribute("aria-label")`),
		"Temat, NEW, internal: Required, from "+map[string]string{"SCHEMA": "the schema", "ADMIN": "an administrator's base mode",
			"STAGE_EXCEPTION": "a stage exception", "SECTION": "the section"}[strings.Fields(inForce(start, "request.subject", "NEW", "INTERNAL"))[1]])
	expect("nothing to save", text(`document.getElementById("save").disabled + " " + document.getElementById("pending").textContent`), "true No unsaved changes.")

	// Two changes: the description read-only for external users at NEW (by keyboard, as a person
	// without a mouse would), and the internal section read-only for employees at every stage.
	// Its options: =, Required, Modify, Read only, Hidden, As section.
	tab.Do("choose read-only with the keyboard", chromedp.Focus(chromedp.CSS(adminCell("request.description@NEW/EXTERNAL")+` select`)),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	choose("internal@*/INTERNAL", "READ_ONLY")
	expect("the first change", cell("request.description@NEW/EXTERNAL"), "READ_ONLY|= Modify|"+strings.Fields(inForce(start, "request.description", "NEW", "EXTERNAL"))[1]+"|edited")
	expect("pending", text(`document.getElementById("save").disabled + " " + document.getElementById("pending").textContent`), "false 2 unsaved changes.")
	choose("request.subject@DONE/EXTERNAL", "HIDDEN") // changed and changed back: not a change
	choose("request.subject@DONE/EXTERNAL", "")
	expect("pending", text(`document.getElementById("pending").textContent`), "2 unsaved changes.")
	tab.Do("save", chromedp.Click(chromedp.ID("save")))
	saved := start.AccessMatrix.Version + 1
	tab.Wait("saved", ready+` && `+msgText+`.startsWith("Saved 2 changes")`, adminState)
	expect("the message", text(msgText), "Saved 2 changes: the settings are now at version "+strconv.Itoa(saved)+".")
	expect("the description at NEW", cell("request.description@NEW/EXTERNAL"), "READ_ONLY|= base|STAGE_EXCEPTION")
	expect("internal's base", cell("internal@*/INTERNAL"), "READ_ONLY|Schema default|")
	expect("internal at NEW", cell("internal@NEW/INTERNAL"), "|= Read only|ADMIN")
	expect("nothing to save", text(`document.getElementById("pending").textContent + " " + document.querySelectorAll("#grid td.edited").length`),
		"No unsaved changes. 0")

	// The same through the API, and in the history.
	after := readMatrix()
	if after.AccessMatrix.Version != saved {
		t.Fatalf("version %d after the save, want %d", after.AccessMatrix.Version, saved)
	}
	expect("the description at NEW", inForce(after, "request.description", "NEW", "EXTERNAL"), "READ_ONLY STAGE_EXCEPTION")
	expect("the description at IN_PROGRESS", inForce(after, "request.description", "IN_PROGRESS", "EXTERNAL"), inForce(start, "request.description", "IN_PROGRESS", "EXTERNAL"))
	expect("internal at DONE", inForce(after, "internal", "DONE", "INTERNAL"), "READ_ONLY ADMIN")
	expect("the estimate at NEW", strings.Fields(inForce(after, "internal.estimate", "NEW", "INTERNAL"))[0], "READ_ONLY")
	entry := `document.querySelector('#changes li[data-version="` + strconv.Itoa(saved) + `"]')`
	tab.Wait("the history entry", entry, adminState)
	expect("the history entry", text(entry+`.firstChild.firstChild.textContent + " | " + Array.from(`+entry+`.querySelectorAll(".cells li")).map((li) => li.textContent).sort().join(" ")`),
		"Version "+strconv.Itoa(saved)+": setAccessMatrix by Administrator | internal@*/INTERNAL request.description@NEW/EXTERNAL")

	// Someone else saves first: the page saves nothing and says to reload.
	admin.Do(`mutation($v: Int!) { setAccessMatrix(procedure: "service-request", version: $v, changes: [{target: "request.subject", audience: EXTERNAL, stage: "DONE", mode: HIDDEN}]) { version } }`,
		map[string]any{"v": saved}).MustOK(t)
	choose("internal@*/INTERNAL", "")
	tab.Do("save", chromedp.Click(chromedp.ID("save")))
	tab.Wait("the conflict", ready+` && document.getElementById("msg").className === "err"`, adminState)
	expect("the conflict", text(msgText), "Someone else changed this procedure's settings since you loaded them, so nothing was saved."+
		" Reload to see their changes, then make yours again.")
	expect("the base after the conflict", inForce(readMatrix(), "internal", "DONE", "INTERNAL"), "READ_ONLY ADMIN")
	tab.Do("reload", chromedp.Click(chromedp.ID("reload")))
	tab.Wait("the other change", ready+` && document.getElementById("pending").textContent === "No unsaved changes."`, adminState)
	expect("the other change", cell("request.subject@DONE/EXTERNAL"), "HIDDEN|= base|STAGE_EXCEPTION")

	// A field REQUIRED for external users where its section is hidden from them: refused, the cell
	// marked, nothing saved.
	version := readMatrix().AccessMatrix.Version
	choose("internal.estimate@NEW/EXTERNAL", "REQUIRED")
	tab.Do("save", chromedp.Click(chromedp.ID("save")))
	tab.Wait("the refusal", ready+` && document.getElementById("msg").className === "err"`, adminState)
	if got := text(msgText); !strings.HasPrefix(got, "Nothing was saved. ") || !strings.Contains(got, "internal.estimate@NEW/EXTERNAL") {
		t.Fatalf("the refusal says %q", got)
	}
	expect("the marked cells", text(`Array.from(document.querySelectorAll("#grid td.bad")).map((td) => td.dataset.cell + " " +
		td.querySelector("select").getAttribute("aria-invalid")).join(",")`), "internal.estimate@NEW/EXTERNAL true")
	if v := readMatrix().AccessMatrix.Version; v != version {
		t.Fatalf("version %d after the refusal, want %d", v, version)
	}
	choose("internal.estimate@NEW/EXTERNAL", "")
	expect("pending", text(`document.getElementById("pending").textContent`), "No unsaved changes.")

	// Who can see the case: more than one page, the user it was shared with among them.
	tab.Do("open the case", chromedp.SendKeys(chromedp.ID("case-id"), caseID), chromedp.Click(chromedp.CSS(`#case-form button[type=submit]`)))
	tab.Wait("the audience", ready+` && !document.getElementById("audience").hidden`, adminState)
	var total struct{ CaseAudience struct{ TotalCount int } }
	admin.Do(`query($id: ID!) { caseAudience(caseId: $id) { totalCount } }`, map[string]any{"id": caseID}).MustOK(t).Decode(t, &total)
	if total.CaseAudience.TotalCount < 57 { // the admin, Ola and 55 people of the group at least
		t.Fatalf("the audience counts %d", total.CaseAudience.TotalCount)
	}
	expect("the heading", text(`document.getElementById("case-title").textContent`), "Awaria drukarki · Zgłoszenie serwisowe · NEW")
	expect("the count", text(`document.getElementById("audience-count").textContent`), strconv.Itoa(total.CaseAudience.TotalCount)+" members can read this case.")
	expect("the first page", text(`document.querySelectorAll("#members tbody tr").length + " " + document.getElementById("more-members").hidden`), "50 false")
	tab.Do("the next page", chromedp.Click(chromedp.ID("more-members")))
	tab.Wait("every member", ready+` && document.getElementById("more-members").hidden`, adminState)
	expect("every member", text(`String(document.querySelectorAll("#members tbody tr").length)`), strconv.Itoa(total.CaseAudience.TotalCount))
	member := func(email string) string {
		return text(`(() => { const tr = document.querySelector('#members tr[data-email="` + email + `"]'); return tr ?
			Array.from(tr.cells).map((c) => c.textContent).join(" | ") : "missing"; })()`)
	}
	expect("Ola", member("ola.serwis@casegate.test"), "Ola Serwis ola.serwis@casegate.test | internal | READ | CASE_ACL: READ")
	expect("a member of the group", member("serwisant07@casegate.test"),
		"Serwisant 07 serwisant07@casegate.test | internal | READ | CASE_ACL through group Serwis: READ")
	tab.Do("search", chromedp.SendKeys(chromedp.ID("case-search"), "ola.serwis"), chromedp.Click(chromedp.CSS(`#case-form button[type=submit]`)))
	tab.Wait("one member", ready+` && document.querySelectorAll("#members tbody tr").length === 1`, adminState)
	expect("the count", text(`document.getElementById("audience-count").textContent`), "1 member can read this case.")

	tab.Check()
	if r := refused(); len(r) > 0 {
		t.Fatalf("the page reached beyond its server: %v", r)
	}
}
