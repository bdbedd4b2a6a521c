package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/browsertest"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/devoutbox"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/outbox"
)

var activateLinkRE = regexp.MustCompile(`https://casegate\.test/activate/[A-Za-z0-9_-]+`)

// noServices is a server as a newcomer starts it: --demo, and neither an SMTP server nor an SMS API.
func noServices(c *config.Config) {
	c.SMTPAddr, c.SMTPFrom, c.SMSURL, c.SMSToken = "", "", "", ""
	c.Demo = true
}

// startDevOutbox starts a server with the dev outbox (as --demo alone gives it) and the demo data.
func startDevOutbox(t *testing.T) *gqltest.Server {
	t.Helper()
	return demoServer(t, noServices)
}

type caught struct {
	ID, OutboxMessageID, Channel, Recipient, Subject, Body, CaughtAt string
}

// devOutbox reads the dev outbox as anyone may, without a session, after delivering what is due.
func devOutbox(t *testing.T, s *gqltest.Server, recipient string) []caught {
	t.Helper()
	deliverAll(t, s)
	var out struct{ DevOutbox []caught }
	s.Anonymous().Do(`query($r: String) { devOutbox(recipient: $r) { id outboxMessageId channel recipient subject body caughtAt } }`,
		map[string]any{"r": recipient}).MustOK(t).Decode(t, &out)
	return out.DevOutbox
}

// grantCandidateAccess has Karolina (demo HR) create a questionnaire and hand it to a candidate
// with codes by SMS, and returns the case's id.
func grantCandidateAccess(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	s.Login("admin@demo.casegate.test", app.DemoPassword).
		Do(`mutation { updateSettings(input: {externalFunctionsEnabled: true}) { externalFunctionsEnabled } }`, nil).MustOK(t)
	kadry := s.Login("kadry@demo.casegate.test", app.DemoPassword)
	var c struct{ CreateCandidateQuestionnaire struct{ ID string } }
	kadry.Do(`mutation { createCandidateQuestionnaire(input: {basic: {firstName: "Jan", lastName: "Kowalski", email: "jan@example.com", phone: "+48 500 600 700"}}) { id } }`, nil).
		MustOK(t).Decode(t, &c)
	kadry.Do(`mutation($id: ID!) { grantTemporaryAccess(caseId: $id, input: {email: "jan@example.com", firstName: "Jan", lastName: "Kowalski",
		phone: "+48 500 600 700", loginMethod: SMS_CODE, validForDays: 3, moveToStage: "CANDIDATE_DATA",
		mailSubject: "Kwestionariusz", mailBody: "Dzień dobry {{firstName}}: {{link}}"}) { id } }`,
		map[string]any{"id": c.CreateCandidateQuestionnaire.ID}).MustOK(t)
	return c.CreateCandidateQuestionnaire.ID
}

// TestDevOutboxCatchesCodesAndInvitations: with the dev outbox (--demo, no SMTP, no SMS API),
// temporary access and guest invitations work; the access link, the one-time code and the
// invitation are caught, readable by anyone through devOutbox, and work.
func TestDevOutboxCatchesCodesAndInvitations(t *testing.T) {
	s := startDevOutbox(t)
	if logs := s.Logs(); !strings.Contains(logs, "WARNING: the dev outbox is on") || !strings.Contains(logs, "never use it in production") {
		t.Fatalf("no warning at start:\n%s", logs)
	}
	admin := s.Login("admin@demo.casegate.test", app.DemoPassword)
	var set struct {
		Settings struct{ OutgoingMailConfigured, SmsConfigured bool }
	}
	admin.Do(`{ settings { outgoingMailConfigured smsConfigured } }`, nil).MustOK(t).Decode(t, &set)
	if !set.Settings.OutgoingMailConfigured || !set.Settings.SmsConfigured {
		t.Fatalf("with the dev outbox mail and SMS count as configured: %+v", set)
	}

	for _, n := range []int{0, devoutbox.MaxFirst + 1} {
		if e := s.Anonymous().Do(`query($n: Int!) { devOutbox(first: $n) { id } }`, map[string]any{"n": n}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "first" {
			t.Fatalf("first: %d: %+v", n, e)
		}
	}
	caseID := grantCandidateAccess(t, s)
	mails := devOutbox(t, s, "jan@example.com")
	if len(mails) != 1 || mails[0].Channel != "EMAIL" || mails[0].Subject != "Kwestionariusz" {
		t.Fatalf("the candidate's mail: %+v", mails)
	}
	link := accessLinkRE.FindString(mails[0].Body)
	if link == "" {
		t.Fatalf("no access link in %q", mails[0].Body)
	}
	requestCode(s.Anonymous(), link).MustOK(t)
	var code string
	for _, m := range devOutbox(t, s, "") {
		if m.Channel == "SMS" {
			code = codeRE.FindStringSubmatch(m.Body)[1]
			break
		}
	}
	if code == "" {
		t.Fatal("no code caught")
	}
	var v struct{ VerifyAccessCode struct{ Token string } }
	verifyCode(s.Anonymous(), link, code).MustOK(t).Decode(t, &v)
	s.WithToken(v.VerifyAccessCode.Token).Do(`query($id: ID!) { candidateQuestionnaire(id: $id) { basic { firstName } } }`,
		map[string]any{"id": caseID}).MustOK(t)

	// The outbox's own path is unchanged: the messages are sent, and secrets are redacted there.
	if n := s.Count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`); n != 0 {
		t.Fatalf("%d messages not marked sent", n)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE secret AND body <> '[redacted]'`); n != 0 {
		t.Fatalf("%d secret bodies kept in the outbox", n)
	}
	if sent, kept := s.Count(`SELECT count(*) FROM outbox`), s.Count(`SELECT count(*) FROM dev_outbox`); sent != kept {
		t.Fatalf("%d messages sent, %d caught", sent, kept)
	}

	// A guest's invitation.
	var acme struct {
		Cases struct {
			Edges []struct {
				Node struct{ Company *struct{ ID string } }
			}
		}
	}
	admin.Do(`{ cases(filter: {procedure: "service-request"}) { edges { node { company { id } } } } }`, nil).MustOK(t).Decode(t, &acme)
	var contact struct{ CreateContact struct{ ID string } }
	admin.Do(`mutation($c: ID!) { createContact(input: {name: "Ewa Klient", email: "ewa.klient@acme.example", companyId: $c}) { id } }`,
		map[string]any{"c": acme.Cases.Edges[0].Node.Company.ID}).MustOK(t).Decode(t, &contact)
	admin.Do(`mutation($id: ID!) { setGuestAccess(contactId: $id, enabled: true) { guestAccess } }`,
		map[string]any{"id": contact.CreateContact.ID}).MustOK(t)
	inv := devOutbox(t, s, "ewa.klient@acme.example")
	if len(inv) != 1 || activateLinkRE.FindString(inv[0].Body) == "" {
		t.Fatalf("Ewa's invitation: %+v", inv)
	}
	token := strings.TrimPrefix(activateLinkRE.FindString(inv[0].Body), "https://casegate.test/activate/")
	s.Anonymous().Do(`mutation($t: String!) { activateAccount(token: $t, password: "ewa-password-2026") { token } }`,
		map[string]any{"t": token}).MustOK(t)
	s.Login("ewa.klient@acme.example", "ewa-password-2026")
}

// TestDevOutboxKeepsAMessageOnce: the outbox may hand a message over again after a crash between
// sending and marking it sent; the dev outbox keeps it once.
func TestDevOutboxKeepsAMessageOnce(t *testing.T) {
	s := startDevOutbox(t)
	snd := devoutbox.Sender{DB: s.DB, Clock: s.Clock}
	id, err := outbox.Enqueue(context.Background(), s.DB, outbox.Message{Channel: outbox.SMS, Recipient: "48500600700", Body: "kod 123456"})
	if err != nil {
		t.Fatal(err)
	}
	d := outbox.Delivery{ID: id, Channel: outbox.SMS, Recipient: "48500600700", Body: "kod 123456"}
	for range 2 {
		if err := snd.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count(`SELECT count(*) FROM dev_outbox WHERE outbox_id = ?`, id); n != 1 {
		t.Fatalf("kept %d times", n)
	}
}

// TestDevOutboxOff: without the dev outbox there is no page, and the query refuses, logged in or not.
func TestDevOutboxOff(t *testing.T) {
	for name, configure := range map[string]func(*config.Config){
		"services":               func(*config.Config) {},
		"demo with services":     func(c *config.Config) { c.Demo = true },
		"demo, dev outbox false": func(c *config.Config) { noServices(c); c.DevOutbox = "false" },
	} {
		t.Run(name, func(t *testing.T) {
			s := gqltest.Start(t, configure)
			for _, p := range []string{"/dev/outbox", "/dev/outbox/static/outbox.js"} {
				if code, _ := s.Get(p); code != http.StatusNotFound {
					t.Fatalf("GET %s: %d", p, code)
				}
			}
			for _, c := range []*gqltest.Client{s.Anonymous(), s.Admin()} {
				e := c.Do(`{ devOutbox { body } }`, nil).MustFail(t, "PRECONDITION_FAILED")
				if missing := e.Extensions["missing"]; len(missing.([]any)) != 1 || missing.([]any)[0] != "devOutbox" {
					t.Fatalf("missing %v", missing)
				}
			}
			if strings.Contains(s.Logs(), "dev outbox is on") {
				t.Fatal("the warning without the dev outbox")
			}
		})
	}
}

// TestDevOutboxPage opens /dev/outbox in a browser: the caught invitation and code show, with the
// link to follow; a message caught while the page is open appears by itself.
func TestDevOutboxPage(t *testing.T) {
	s := startDevOutbox(t)
	grantCandidateAccess(t, s)
	deliverAll(t, s)

	tab := browsertest.Start(t, time.Minute)
	tab.Do("open the dev outbox", chromedp.Navigate(s.URL+"/dev/outbox"))
	mail := `#messages li.message[data-recipient="jan@example.com"]`
	sms := `#messages li.message[data-channel="SMS"]`
	count := func(sel string) string { return "document.querySelectorAll('" + sel + "').length" }
	tab.Wait("the invitation", count(mail)+` === 1`, `document.body.innerText`)
	link := browsertest.Eval[string](tab, `document.querySelector('`+mail+` .links a').href`)
	if !accessLinkRE.MatchString(link) {
		t.Fatalf("the page's link: %q", link)
	}
	if got := browsertest.Eval[string](tab, `document.querySelector('`+mail+` .subject').textContent`); got != "Kwestionariusz" {
		t.Fatalf("subject %q", got)
	}

	requestCode(s.Anonymous(), accessLinkRE.FindString(link)).MustOK(t)
	deliverAll(t, s)
	tab.Wait("the code, without reloading", count(sms)+` === 1`, `document.body.innerText`)
	body := browsertest.Eval[string](tab, `document.querySelector('`+sms+` .body').textContent`)
	m := codeRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code on the page: %q", body)
	}
	var v struct{ VerifyAccessCode struct{ Token string } }
	verifyCode(s.Anonymous(), accessLinkRE.FindString(link), m[1]).MustOK(t).Decode(t, &v)
	tab.Check()
}
