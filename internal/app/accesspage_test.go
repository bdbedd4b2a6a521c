package app_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// TestAccessPage serves the page behind an access link and, where node is installed, runs the
// page's own script against the server as a browser would (testdata/accesspage.js gives it a
// minimal DOM): ask for a code, enter it, see the form with the external modes, download the file
// shared with the person, attach one, comment, see the history, fill in the required fields and
// send the case on.
func TestAccessPage(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, map[string]any{"allowedActions": []string{"ATTACHMENTS", "COMMENTS", "HISTORY"}})
	add := `mutation($c: ID!, $v: Boolean, $file: Upload!) { addAttachment(caseId: $c, file: $file, visibleToExternal: $v) { id } }`
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID, "v": true}, "umowa.txt", "text/plain", []byte("Umowa dla kandydata")).MustOK(t)
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID}, "ocena.txt", "text/plain", []byte("internal")).MustOK(t)
	link := inviteLink(t, s)
	token := link[strings.LastIndex(link, "/")+1:]

	status, page := s.Get("/access/" + token)
	if status != 200 || !strings.Contains(page, "Send me a code") {
		t.Fatalf("GET /access/<token> = %d %.80q", status, page)
	}
	if strings.Contains(s.Logs(), token) {
		t.Fatal("the access token reached the request log")
	}

	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the page's script is not run")
	}
	script := page[strings.Index(page, "<script>")+len("<script>") : strings.Index(page, "</script>")]
	file := filepath.Join(t.TempDir(), "access.js")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "testdata/accesspage.js", s.URL, file, token)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the page's script stopped early")
			}
			if strings.HasPrefix(l, "ERROR") {
				t.Fatal(l)
			}
			return l
		case <-time.After(20 * time.Second):
			t.Fatal("the page's script did not answer")
		}
		return ""
	}
	if l := next(); l != "URL /access/" {
		t.Fatalf("the token stays in the address bar: %s", l)
	}
	if l := next(); l != "CODE?" {
		t.Fatal(l)
	}
	mails := deliver(t, s, len(s.SMTP.Messages())+1)
	code := codeRE.FindStringSubmatch(mails[len(mails)-1][strings.Index(mails[len(mails)-1], "\n"):])[1]
	if _, err := stdin.Write([]byte(code + "\n")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"TITLE Kwestionariusz osobowy dla kandydata do pracy",
		"FIELDS basic.email:ro=" + candidateEmail + " basic.firstName:ro=Jan basic.lastName:ro=Kowalski basic.phone:ro=+48 500 600 700" +
			" personal.address:rw= personal.birthDate:rw= personal.education:rw= personal.previousEmployment:rw=",
		"REQUIRED 2",
		"PARTS attachments,comments,history",
		"FILES umowa.txt",
		"DOWNLOADED umowa.txt Umowa dla kandydata",
		"FILES umowa.txt,cv.txt",
		"COMMENT Dane uzupełnione. (Jan Kowalski, ", // then the time, in node's locale
		"HISTORY case.move",                         // newest first: the grant moved the case to the candidate
		"MOVE Save and send on (HR_REVIEW)",
		"DONE Thank you: the case has been sent on.",
	}
	for _, w := range want {
		if l := next(); l != w && !(strings.HasSuffix(w, ", ") && strings.HasPrefix(l, w)) {
			t.Fatalf("page: %q\nwant: %q", l, w)
		}
	}
	var out struct {
		CandidateQuestionnaire struct {
			Case     struct{ Stage string }
			Personal struct{ BirthDate, Address *string }
		}
	}
	w.kadry.Do(`query($id: ID!) { candidateQuestionnaire(id: $id) { case { stage } personal { birthDate address } } }`,
		map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &out)
	if n := s.Count(`SELECT count(*) FROM attachments WHERE case_id = ? AND name = 'cv.txt' AND grant_id IS NOT NULL AND size = 7`, w.caseID); n != 1 {
		t.Fatal("the page's upload is not the case's attachment under the grant")
	}
	if n := s.Count(`SELECT count(*) FROM comments WHERE case_id = ? AND grant_id IS NOT NULL AND text = 'Dane uzupełnione.'`, w.caseID); n != 1 {
		t.Fatal("the page's comment is not on the case under the grant")
	}
	q := out.CandidateQuestionnaire
	if q.Case.Stage != "HR_REVIEW" || q.Personal.Address == nil || *q.Personal.Address != "ul. Długa 1, Gdańsk" {
		t.Fatalf("after the page: %+v", q)
	}
}
