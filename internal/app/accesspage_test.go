package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/gqltest"
)

// pageState is what the access page shows a person, for the messages of failed waits.
const pageState = `["start", "code", "form", "done"].filter((id) => !document.getElementById(id).hidden).join(",") +
	" visible; message: " + document.getElementById("msg").textContent`

// TestAccessPage opens the page behind an access link in a headless Chromium and uses it as the
// person would: ask for a code, type the mailed code, see the form with the external modes,
// download the file shared with the person, attach one, comment, see the history, fill in the
// required fields and send the case on. The page must report no error, exception or CSP violation
// on the way.
func TestAccessPage(t *testing.T) {
	// With a manifest that lists none of the page's documents: the server's own pages always work.
	s := gqltest.Start(t, trustedDocuments(t, "query Unrelated { __typename }"))
	w := newTempWorld(t, s)
	w.grant(t, map[string]any{"allowedActions": []string{"ATTACHMENTS", "COMMENTS", "HISTORY"}})
	add := `mutation($c: ID!, $v: Boolean, $file: Upload!) { addAttachment(caseId: $c, file: $file, visibleToExternal: $v) { id } }`
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID, "v": true}, "umowa.txt", "text/plain", []byte("Umowa dla kandydata")).MustOK(t)
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID}, "ocena.txt", "text/plain", []byte("internal")).MustOK(t)
	link := inviteLink(t, s)
	token := link[strings.LastIndex(link, "/")+1:]

	tab := browsertest.Start(t, 2*time.Minute)
	text := func(expression string) string { t.Helper(); return browsertest.Eval[string](tab, expression) }
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}
	// chromedp.ID would read the dot in a field's id as a class.
	field := func(path string) chromedp.CSS { return chromedp.CSS(`[id="f-` + path + `"]`) }
	shown := func(id string) string { return `!document.getElementById("` + id + `").hidden` }

	tab.Do("open the link", chromedp.Navigate(s.URL+"/access/"+token))
	expect("the address bar", text(`location.pathname`), "/access/")
	tab.Wait("the start", shown("start"), pageState)
	tab.Do("ask for a code", chromedp.Click(chromedp.ID("send")))
	tab.Wait("the code form", shown("code"), pageState)
	code := deliveredCode(t, s)
	tab.Do("enter the code", chromedp.SendKeys(chromedp.ID("codeinput"), code), chromedp.Click(chromedp.CSS(`#code button[type=submit]`)))
	tab.Wait("the form", shown("form"), pageState)

	// The form with the external modes at CANDIDATE_DATA: basic read-only, personal writable with
	// two required fields, HR's section absent.
	expect("title", text(`document.getElementById("title").textContent`), "Kwestionariusz osobowy dla kandydata do pracy")
	expect("fields", text(`Array.from(document.querySelectorAll("#fields input")).map((i) =>
		i.dataset.section + "." + i.dataset.field + (i.disabled ? ":ro=" : ":rw=") + i.value).sort().join(" ")`),
		"basic.email:ro="+candidateEmail+" basic.firstName:ro=Jan basic.lastName:ro=Kowalski basic.phone:ro=+48 500 600 700"+
			" personal.address:rw= personal.birthDate:rw= personal.education:rw= personal.previousEmployment:rw=")
	expect("required fields", text(`Array.from(document.querySelectorAll("#fields label")).filter((l) => l.querySelector(".req")).
		map((l) => l.htmlFor).sort().join(" ")`), "f-personal.address f-personal.birthDate")

	// What the grant opens besides the form: a file shared with the person, its upload, a comment, the history.
	tab.Wait("the attachments and the history", `document.querySelectorAll("#files li").length > 0 &&
		document.querySelectorAll("#events li").length > 0`, pageState)
	expect("parts", text(`["attachments", "comments", "history"].filter((id) => !document.getElementById(id).hidden).join(",")`),
		"attachments,comments,history")
	files := `Array.from(document.querySelectorAll("#files li")).map((li) => li.firstChild.textContent).join(",")`
	expect("files", text(files), "umowa.txt")

	name, content := tab.Download("download the shared file", chromedp.Click(chromedp.CSS(`#files li button`)))
	expect("downloaded file", name+" "+string(content), "umowa.txt Umowa dla kandydata")

	cv := filepath.Join(t.TempDir(), "cv.txt")
	if err := os.WriteFile(cv, []byte("Moje CV"), 0o600); err != nil {
		t.Fatal(err)
	}
	tab.Do("attach a file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{cv}), chromedp.Click(chromedp.ID("upload")))
	tab.Wait("the upload", `document.getElementById("msg").textContent === "The file is attached." &&
		document.querySelectorAll("#files li").length === 2`, pageState)
	expect("files", text(files), "umowa.txt,cv.txt")

	tab.Do("comment", chromedp.SendKeys(chromedp.ID("note"), "Dane uzupełnione."), chromedp.Click(chromedp.ID("comment")))
	tab.Wait("the comment", `document.querySelectorAll("#notes li").length === 1`, pageState)
	if c := text(`document.querySelector("#notes li").textContent`); !strings.HasPrefix(c, "Dane uzupełnione. (Jan Kowalski, ") {
		t.Fatalf("comment: %q", c) // then the time, in the browser's locale
	}
	// Newest first: the grant moved the case to the candidate.
	expect("history", text(`document.querySelector("#events li").firstChild.textContent`), "case.move")

	tab.Do("fill in the required fields",
		chromedp.SendKeys(field("personal.birthDate"), "05171990"), // en-US: month, day, year
		chromedp.SendKeys(field("personal.address"), "ul. Długa 1, Gdańsk"))
	expect("birth date", text(`document.getElementById("f-personal.birthDate").value`), "1990-05-17")
	expect("move", text(`document.querySelector("#moves button").textContent`), "Save and send on (HR_REVIEW)")
	tab.Do("send the case on", chromedp.Click(chromedp.CSS(`#moves button`)))
	tab.Wait("the end", shown("done"), pageState)
	expect("message", text(`document.getElementById("msg").textContent`), "Thank you: the case has been sent on.")
	tab.Check()

	// What the page did, in the database.
	if n := s.Count(`SELECT count(*) FROM attachments a JOIN attachment_chunks c ON c.attachment_id = a.id
		WHERE a.case_id = ? AND a.name = 'cv.txt' AND a.grant_id IS NOT NULL AND a.size = 7 AND c.seq = 0 AND c.data = 'Moje CV'::bytea`, w.caseID); n != 1 {
		t.Fatal("the page's upload is not the case's attachment under the grant")
	}
	if n := s.Count(`SELECT count(*) FROM comments WHERE case_id = ? AND grant_id IS NOT NULL AND text = 'Dane uzupełnione.'`, w.caseID); n != 1 {
		t.Fatal("the page's comment is not on the case under the grant")
	}
	var stage, first, birth, address string
	if err := s.DB.QueryRowContext(context.Background(), `SELECT stage, form_values #>> '{basic,firstName}',
		coalesce(form_values #>> '{personal,birthDate}', ''), coalesce(form_values #>> '{personal,address}', '') FROM cases WHERE id = ?`,
		w.caseID).Scan(&stage, &first, &birth, &address); err != nil {
		t.Fatal(err)
	}
	expect("the case after the page", strings.Join([]string{stage, first, birth, address}, " | "),
		"HR_REVIEW | Jan | 1990-05-17 | ul. Długa 1, Gdańsk")
	if strings.Contains(s.Logs(), token) {
		t.Fatal("the access token reached the request log")
	}
}
