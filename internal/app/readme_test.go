package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestReadmeTemporaryAccessFlow sends the README's temporary-access requests as they are written
// there (placeholders filled in), so the walkthrough cannot drift from what the server answers:
// as the README runs it, on the demo data with the dev outbox and no mail or SMS service (the
// link and the code read with the README's devOutbox queries), and on a server with an SMTP
// server and an SMS API (where those two steps do not apply).
func TestReadmeTemporaryAccessFlow(t *testing.T) {
	t.Run("demo with the dev outbox", func(t *testing.T) { readmeTemporaryAccessFlow(t, true) })
	t.Run("mail and SMS services", func(t *testing.T) { readmeTemporaryAccessFlow(t, false) })
}

func readmeTemporaryAccessFlow(t *testing.T, devOut bool) {
	blocks := readmeBlocks(t, "## Temporary access: a candidate", 10)
	var s *gqltest.Server
	var admin, kadry *gqltest.Client
	if devOut {
		s = startDevOutbox(t)
		admin = s.Login("admin@demo.casegate.test", app.DemoPassword)
		kadry = s.Login("kadry@demo.casegate.test", app.DemoPassword)
	} else {
		s = gqltest.Start(t)
		admin = s.Admin()
		createUser(t, admin, "kadry@casegate.test", "Kadry")
		kadry = s.Login("kadry@casegate.test", "user-password-1")
	}
	ids := map[string]string{}
	run := readmeRunner(t, ids)
	// caught runs a devOutbox block of the README, anonymously, once the outbox has delivered.
	caught := func(block string) []caught {
		deliverAll(t, s)
		var out struct{ DevOutbox []caught }
		run(s.Anonymous(), block).MustOK(t).Decode(t, &out)
		if len(out.DevOutbox) != 1 {
			t.Fatalf("caught %+v", out.DevOutbox)
		}
		return out.DevOutbox
	}
	var set struct {
		UpdateSettings struct{ OutgoingMailConfigured, SmsConfigured bool }
	}
	run(admin, blocks[0]).MustOK(t).Decode(t, &set)
	if !set.UpdateSettings.OutgoingMailConfigured || !set.UpdateSettings.SmsConfigured {
		t.Fatalf("settings %+v", set)
	}
	var c struct{ CreateCandidateQuestionnaire struct{ ID string } }
	run(kadry, blocks[1]).MustOK(t).Decode(t, &c)
	ids["<id>"] = c.CreateCandidateQuestionnaire.ID
	var g struct{ GrantTemporaryAccess struct{ ID string } }
	run(kadry, blocks[2]).MustOK(t).Decode(t, &g)
	var link string
	if devOut {
		link = accessLinkRE.FindString(caught(blocks[3])[0].Body)
	} else {
		link = inviteLink(t, s)
	}
	if link == "" {
		t.Fatal("no access link")
	}
	ids["<the link or its token>"] = link
	ids["<the link>"] = link
	run(s.Anonymous(), blocks[4]).MustOK(t)
	var text string
	if devOut {
		sms := caught(blocks[5])[0]
		if sms.Channel != "SMS" {
			t.Fatalf("the newest message is %+v", sms)
		}
		text = sms.Body
	} else {
		deliverAll(t, s)
		text = s.SMS.WaitFor(t, 1, 5*time.Second)[0].Text
	}
	code := codeRE.FindStringSubmatch(text)[1]
	q := strings.ReplaceAll(blocks[6], "123456", code)
	var v struct{ VerifyAccessCode struct{ Token string } }
	run(s.Anonymous(), q).MustOK(t).Decode(t, &v)
	person := s.WithToken(v.VerifyAccessCode.Token)
	ids["<caseId>"] = c.CreateCandidateQuestionnaire.ID
	parts := regexp.MustCompile(`\n\s*mutation`).Split(blocks[7], 2)
	run(person, parts[0]).MustOK(t)
	run(person, "mutation"+parts[1]).MustOK(t)
	run(person, blocks[8]).MustOK(t)
	parts = regexp.MustCompile(`\n\s*mutation`).Split(blocks[9], 2)
	ids["<grant id>"] = g.GrantTemporaryAccess.ID
	run(kadry, parts[0]).MustOK(t)
	var revoked struct{ RevokeTemporaryAccess struct{ State string } }
	run(kadry, "mutation"+parts[1]).MustOK(t).Decode(t, &revoked)
	if revoked.RevokeTemporaryAccess.State != "REVOKED" {
		t.Fatalf("revoked %+v", revoked)
	}
}

// TestReadmeSubstitutionFlow sends the README's substitution requests as they are written there,
// on the demo data they name.
func TestReadmeSubstitutionFlow(t *testing.T) {
	blocks := readmeBlocks(t, "## Work as a substitute", 8)
	s := demoServer(t)
	kadry := s.Login("kadry@demo.casegate.test", app.DemoPassword)
	piotr := s.Login("pracownik@demo.casegate.test", app.DemoPassword)
	danuta := s.Login("dyrektor@demo.casegate.test", app.DemoPassword)
	ids := map[string]string{"<a day, YYYY-MM-DD>": warsawDay(s, 2), "<a later day>": warsawDay(s, 5)}
	run := readmeRunner(t, ids)
	var users struct {
		Users struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	run(kadry, blocks[0]).MustOK(t).Decode(t, &users)
	ids["<Piotr's id>"] = users.Users.Edges[0].Node.ID
	var created struct{ CreateSubstitution struct{ ID string } }
	run(kadry, blocks[1]).MustOK(t).Decode(t, &created)
	ids["<substitution id>"] = created.CreateSubstitution.ID
	var avail struct {
		Me struct{ AvailableSubstitutions []struct{ ID string } }
	}
	run(piotr, blocks[2]).MustOK(t).Decode(t, &avail)
	if len(avail.Me.AvailableSubstitutions) != 1 {
		t.Fatalf("Piotr may start %+v", avail.Me.AvailableSubstitutions)
	}
	var started struct {
		StartSubstitution struct{ User, NativeUser struct{ Name string } }
	}
	run(piotr, blocks[3]).MustOK(t).Decode(t, &started)
	if started.StartSubstitution.User.Name != "Karolina Kadrowa" || started.StartSubstitution.NativeUser.Name != "Piotr Pracownik" {
		t.Fatalf("started %+v", started)
	}
	var tasks struct {
		MyTasks struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	run(piotr, blocks[4]).MustOK(t).Decode(t, &tasks)
	if len(tasks.MyTasks.Edges) != 1 || !strings.HasPrefix(tasks.MyTasks.Edges[0].Node.Title, "Kandydat") {
		t.Fatalf("Karolina's tasks as Piotr sees them: %+v", tasks)
	}
	ids["<case id>"] = tasks.MyTasks.Edges[0].Node.ID
	var com struct{ AddComment struct{ Byline string } }
	run(piotr, blocks[5]).MustOK(t).Decode(t, &com)
	if com.AddComment.Byline != "Piotr Pracownik on behalf of Karolina Kadrowa" {
		t.Fatalf("byline %q", com.AddComment.Byline)
	}
	var ended struct {
		EndSubstitution struct {
			User         struct{ Name string }
			Substitution *struct{ ID string }
		}
	}
	run(piotr, blocks[6]).MustOK(t).Decode(t, &ended)
	if ended.EndSubstitution.User.Name != "Piotr Pracownik" || ended.EndSubstitution.Substitution != nil {
		t.Fatalf("ended %+v", ended)
	}
	var ext struct{ ExtendSubstitution struct{ DateTo string } }
	run(danuta, blocks[7]).MustOK(t).Decode(t, &ext)
	if ext.ExtendSubstitution.DateTo != warsawDay(s, 5) {
		t.Fatalf("extended %+v", ext)
	}
}

// TestReadmeGuestFlow runs the README's guest section on the demo data, as the demo's guest and
// administrator, and checks what each step says: with the dev outbox, as `serve --demo` alone
// runs, and with an SMTP server.
func TestReadmeGuestFlow(t *testing.T) {
	t.Run("demo with the dev outbox", func(t *testing.T) { readmeGuestFlow(t, true) })
	t.Run("SMTP", func(t *testing.T) { readmeGuestFlow(t, false) })
}

func readmeGuestFlow(t *testing.T, devOut bool) {
	blocks := readmeBlocks(t, "## A client's guest", 9)
	var s *gqltest.Server
	if devOut {
		s = startDevOutbox(t)
	} else {
		s = demoServer(t)
	}
	admin := s.Login("admin@demo.casegate.test", app.DemoPassword)
	ids := map[string]string{}
	run := readmeRunner(t, ids)

	var login struct {
		Login struct {
			Token  string
			Viewer struct {
				Kind    string
				Contact struct{ Name string }
			}
		}
	}
	run(s.Anonymous(), blocks[0]).MustOK(t).Decode(t, &login)
	if login.Login.Viewer.Kind != "EXTERNAL" || login.Login.Viewer.Contact.Name != "Jan Klient" {
		t.Fatalf("login %+v", login)
	}
	jan := s.WithToken(login.Login.Token)

	type caseNode struct {
		ID, Title, Stage string
		Assignees        []struct {
			Name  string
			Email *string
		}
	}
	var projects struct {
		Projects struct {
			Edges []struct {
				Node struct {
					Name         string
					Counterparty struct{ Name string }
					Cases        struct{ Edges []struct{ Node caseNode } }
				}
			}
		}
	}
	run(jan, blocks[1]).MustOK(t).Decode(t, &projects)
	if len(projects.Projects.Edges) != 1 {
		t.Fatalf("Jan's projects: %+v", projects)
	}
	p := projects.Projects.Edges[0].Node
	if p.Name != "Wdrożenie ACME" || p.Counterparty.Name != "ACME sp. z o.o." || len(p.Cases.Edges) != 1 ||
		p.Cases.Edges[0].Node.Title != "Awaria drukarki w biurze ACME" {
		t.Fatalf("Jan's project: %+v", p)
	}
	for _, a := range p.Cases.Edges[0].Node.Assignees {
		if a.Name == "" || a.Email != nil {
			t.Fatalf("a guest sees an employee as %+v", a)
		}
	}

	r := run(jan, blocks[2]).MustOK(t)
	var requests struct {
		ServiceRequests struct {
			Edges []struct {
				Node struct {
					Request  struct{ Subject string }
					Internal *struct{ Estimate *string }
				}
			}
		}
	}
	r.Decode(t, &requests)
	if len(requests.ServiceRequests.Edges) != 1 || requests.ServiceRequests.Edges[0].Node.Request.Subject == "" ||
		requests.ServiceRequests.Edges[0].Node.Internal != nil {
		t.Fatalf("Jan's requests: %+v", requests)
	}
	if hidden := fmt.Sprint(r.Extensions["hiddenFields"]); !strings.Contains(hidden, "node.internal") {
		t.Fatalf("hiddenFields %s", hidden)
	}

	var creatable struct {
		CreatableProcedures []struct {
			Key    string
			Fields []struct{ Field, Mode string }
		}
	}
	run(jan, blocks[3]).MustOK(t).Decode(t, &creatable)
	if len(creatable.CreatableProcedures) != 1 || creatable.CreatableProcedures[0].Key != "service-request" {
		t.Fatalf("Jan may create %+v", creatable)
	}
	var created struct {
		CreateServiceRequest struct {
			ID   string
			Case struct {
				Stage   string
				Project struct{ Name string }
				Company struct{ Name string }
			}
		}
	}
	run(jan, blocks[4]).MustOK(t).Decode(t, &created)
	if c := created.CreateServiceRequest.Case; c.Stage != "NEW" || c.Project.Name != "Wdrożenie ACME" || c.Company.Name != "ACME sp. z o.o." {
		t.Fatalf("Jan's new request: %+v", created)
	}
	for _, q := range []string{`{ users { edges { node { id } } } }`, `{ auditLog { edges { node { id } } } }`,
		`{ settings { timeZone } }`, `{ procedures { key } }`} {
		run(jan, q).MustFail(t, "FORBIDDEN")
	}

	var acme struct {
		Cases struct {
			Edges []struct {
				Node struct {
					Company *struct{ ID, Name string }
				}
			}
		}
	}
	run(admin, blocks[5]).MustOK(t).Decode(t, &acme)
	for _, e := range acme.Cases.Edges {
		if e.Node.Company != nil && e.Node.Company.Name == "ACME sp. z o.o." {
			ids["<ACME's id>"] = e.Node.Company.ID
		}
	}
	if ids["<ACME's id>"] == "" {
		t.Fatalf("no ACME case: %+v", acme)
	}
	var contact struct{ CreateContact struct{ ID string } }
	run(admin, blocks[6]).MustOK(t).Decode(t, &contact)
	ids["<Ewa's id>"] = contact.CreateContact.ID
	var access struct {
		SetGuestAccess struct {
			Name                        string
			GuestAccess, GuestActivated bool
		}
	}
	run(admin, blocks[7]).MustOK(t).Decode(t, &access)
	if !access.SetGuestAccess.GuestAccess || access.SetGuestAccess.GuestActivated {
		t.Fatalf("Ewa's access %+v", access)
	}
	var invitations []string
	if devOut {
		for _, m := range devOutbox(t, s, "ewa.klient@acme.example") {
			invitations = append(invitations, m.Body)
		}
	} else {
		for _, m := range mailsTo(t, s, "ewa.klient@acme.example") {
			invitations = append(invitations, m.Body)
		}
	}
	if len(invitations) != 1 || !strings.Contains(invitations[0], "https://casegate.test/activate/") {
		t.Fatalf("Ewa's invitation: %+v", invitations)
	}

	// A case of ACME's that Jan has no part in: hidden until the setting opens the company's cases.
	var other struct{ CreateServiceRequest struct{ ID string } }
	admin.Do(`mutation($c: ID!) { createServiceRequest(input: {request: {subject: "Przegląd serwerowni"}}, clientId: $c) { id } }`,
		map[string]any{"c": ids["<ACME's id>"]}).MustOK(t).Decode(t, &other)
	sees := func() bool {
		return jan.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": other.CreateServiceRequest.ID}).Code() == ""
	}
	if sees() {
		t.Fatal("Jan reads a case of his company's with the setting off")
	}
	run(admin, blocks[8]).MustOK(t)
	if !sees() {
		t.Fatal("Jan does not read his company's case with guestsSeeCompanyCases on")
	}
}
