package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

const creatableQ = `{ creatableProcedures { key name typeName firstStage fields { field mode } } }`

type creatable struct {
	Key, Name, TypeName, FirstStage string
	Fields                          []struct{ Field, Mode string }
}

func creatableProcedures(t *testing.T, c *gqltest.Client) map[string]creatable {
	t.Helper()
	var out struct{ CreatableProcedures []creatable }
	c.Do(creatableQ, nil).MustOK(t).Decode(t, &out)
	m := map[string]creatable{}
	for _, p := range out.CreatableProcedures {
		m[p.Key] = p
	}
	return m
}

func (p creatable) modes() map[string]string {
	m := map[string]string{}
	for _, f := range p.Fields {
		m[f.Field] = f.Mode
	}
	return m
}

// TestCreatableProcedures: an employee may create cases of every procedure, a guest of those
// marked externalCreate only, each with the caller's modes on the new case at the first stage.
func TestCreatableProcedures(t *testing.T) {
	s := demoServer(t)
	admin := s.Admin()
	var all struct{ Procedures []struct{ Key string } }
	admin.Do(`{ procedures { key } }`, nil).MustOK(t).Decode(t, &all)

	staff := creatableProcedures(t, s.Login("pracownik@demo.casegate.test", app.DemoPassword))
	if len(staff) != len(all.Procedures) {
		t.Fatalf("an employee may create %d procedures, want all %d", len(staff), len(all.Procedures))
	}
	sr := staff["service-request"]
	if sr.Name != "Zgłoszenie serwisowe" || sr.TypeName != "ServiceRequest" || sr.FirstStage != "NEW" {
		t.Fatalf("service-request for an employee: %+v", sr)
	}
	if m := sr.modes(); m["request.subject"] != "REQUIRED" || m["request.description"] != "MODIFY" || m["internal.estimate"] != "MODIFY" ||
		len(m) != 4 {
		t.Errorf("an employee's modes on a new service request: %v", m)
	}

	guest := s.Login(app.DemoGuestEmail, app.DemoPassword)
	mine := creatableProcedures(t, guest)
	if len(mine) != 1 {
		t.Fatalf("a guest may create %v, want service-request only", mine)
	}
	m := mine["service-request"].modes()
	want := map[string]string{"request.subject": "REQUIRED", "request.description": "MODIFY", "internal.estimate": "HIDDEN", "internal.internalNotes": "HIDDEN"}
	for f, mode := range want {
		if m[f] != mode {
			t.Errorf("a guest's %s on a new service request: %s, want %s", f, m[f], mode)
		}
	}
	// The settings in force count: an administrator's change shows at once.
	admin.Do(`mutation { setFieldAccess(procedure: "service-request", field: "request.description", input: {external: READ_ONLY}) { path } }`, nil).MustOK(t)
	if m := creatableProcedures(t, guest)["service-request"].modes(); m["request.description"] != "READ_ONLY" {
		t.Errorf("after the override a guest's request.description is %s", m["request.description"])
	}
	// The guest still may not read the procedures' settings.
	guest.Do(`{ procedures { key } }`, nil).MustFail(t, "FORBIDDEN")
	s.Anonymous().Do(creatableQ, nil).MustFail(t, "UNAUTHENTICATED")
}

const createRequestQ = `mutation($in: ServiceRequestInput!, $p: ID, $c: ID, $pos: ID, $a: [ID!], $title: String) {
	createServiceRequest(input: $in, projectId: $p, clientId: $c, positionId: $pos, assigneeIds: $a, title: $title) {
		id request { subject description } case { stage access { rights grantedBy fields { field mode } } } } }`

type createdRequest struct {
	CreateServiceRequest struct {
		ID      string
		Request struct{ Subject, Description *string }
		Case    struct {
			Stage  string
			Access struct{ Rights, GrantedBy []string }
		}
	}
}

func request(subject, description string) map[string]any {
	r := map[string]any{}
	if subject != "" {
		r["subject"] = subject
	}
	if description != "" {
		r["description"] = description
	}
	return map[string]any{"request": r}
}

// caseWrites are the rows a refused creation must leave as they were.
func caseWrites(s *gqltest.Server) [5]int {
	return [5]int{s.Count(`SELECT count(*) FROM cases`), s.Count(`SELECT count(*) FROM case_tasks`),
		s.Count(`SELECT count(*) FROM case_participants`), s.Count(`SELECT count(*) FROM audit_log`), s.Count(`SELECT count(*) FROM outbox`)}
}

func projectID(t *testing.T, s *gqltest.Server, name string) string {
	t.Helper()
	var id string
	if err := s.DB.QueryRowContext(t.Context(), `SELECT id FROM projects WHERE name = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestGuestCreatesServiceRequest: the demo's guest Jan Klient (ACME) opens a service request. The
// project defaults to the first it sees, the client is its company, it becomes creator, participant
// and holder of the first task, and employees with rights see the case.
func TestGuestCreatesServiceRequest(t *testing.T) {
	s := demoServer(t)
	admin := s.Admin()
	jan := s.Login(app.DemoGuestEmail, app.DemoPassword)
	var janID, janContact, acme string
	if err := s.DB.QueryRowContext(t.Context(), `SELECT u.id, u.contact_id, cl.company_id FROM users u JOIN clients cl ON cl.id = u.contact_id
		WHERE u.email = ?`, app.DemoGuestEmail).Scan(&janID, &janContact, &acme); err != nil {
		t.Fatal(err)
	}
	wdrozenie := projectID(t, s, "Wdrożenie ACME")
	s.Clock.Advance(time.Second) // the default project is the first by creation time
	// Projects the guest does not see: another company's, and one of nobody's without its cases.
	var other struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "Globex") { id } }`, nil).MustOK(t).Decode(t, &other)
	var p struct{ CreateProject struct{ ID string } }
	admin.Do(`mutation($c: ID) { createProject(name: "Globex IT", counterpartyId: $c) { id } }`, map[string]any{"c": other.CreateCompany.ID}).MustOK(t).Decode(t, &p)
	globex := p.CreateProject.ID
	admin.Do(`mutation { createProject(name: "Serwis ogólny") { id } }`, nil).MustOK(t).Decode(t, &p)
	serwis := p.CreateProject.ID
	// A later ACME project: visible, but not the first.
	admin.Do(`mutation($c: ID) { createProject(name: "ACME 2027", counterpartyId: $c) { id } }`, map[string]any{"c": acme}).MustOK(t).Decode(t, &p)
	acme2027 := p.CreateProject.ID

	// Refusals, each leaving nothing behind.
	before := caseWrites(s)
	refuse := func(vars map[string]any, code, field string) {
		t.Helper()
		e := jan.Do(createRequestQ, vars).MustFail(t, code)
		if field != "" && e.Extensions["field"] != field {
			t.Errorf("refusal of %v names %v, want %s", vars, e.Extensions["field"], field)
		}
		if after := caseWrites(s); after != before {
			t.Errorf("a refused creation (%v) wrote: %v → %v", vars, before, after)
		}
	}
	in := request("Nie działa skaner", "Skaner w recepcji nie włącza się.")
	for _, project := range []string{globex, serwis, "00000000-0000-4000-8000-000000000000", "not-an-id"} {
		refuse(map[string]any{"in": in, "p": project}, "NOT_FOUND", "")
	}
	refuse(map[string]any{"in": in, "c": acme}, "BAD_USER_INPUT", "clientId")
	refuse(map[string]any{"in": in, "pos": "00000000-0000-4000-8000-000000000000"}, "BAD_USER_INPUT", "positionId")
	refuse(map[string]any{"in": in, "a": []string{janID}}, "BAD_USER_INPUT", "assigneeIds")
	refuse(map[string]any{"in": in, "a": []string{}}, "BAD_USER_INPUT", "assigneeIds")
	// The subject is REQUIRED for the guest.
	if e := jan.Do(createRequestQ, map[string]any{"in": request("", "Bez tematu")}).MustFail(t, "REQUIRED_FIELDS_MISSING"); !sameStrings(e.Extensions["fields"], "request.subject") {
		t.Errorf("missing subject: fields %v", e.Extensions["fields"])
	}
	// Internal sections are not the guest's to fill in.
	withEstimate := request("Wycena", "")
	withEstimate["internal"] = map[string]any{"estimate": "100.00", "internalNotes": "tanio"}
	if e := jan.Do(createRequestQ, map[string]any{"in": withEstimate}).MustFail(t, "FIELD_NOT_WRITABLE"); !sameStrings(e.Extensions["fields"], "internal.estimate", "internal.internalNotes") {
		t.Errorf("internal values: fields %v", e.Extensions["fields"])
	}
	// Procedures not marked externalCreate are refused before anything else.
	jan.Do(`mutation { createSalaryChange(input: {}) { id } }`, nil).MustFail(t, "FORBIDDEN")
	jan.Do(`mutation { createCandidateQuestionnaire(input: {}, clientId: "x") { id } }`, nil).MustFail(t, "FORBIDDEN")
	if after := caseWrites(s); after != before {
		t.Errorf("refused creations wrote: %v → %v", before, after)
	}

	// Created: the project is the first the guest sees (Wdrożenie ACME, older than ACME 2027).
	var out createdRequest
	jan.Do(createRequestQ, map[string]any{"in": in}).MustOK(t).Decode(t, &out)
	r := out.CreateServiceRequest
	if r.Request.Subject == nil || *r.Request.Subject != "Nie działa skaner" || r.Case.Stage != "NEW" ||
		!slices.Equal(r.Case.Access.Rights, []string{"READ", "WRITE"}) || !slices.Equal(r.Case.Access.GrantedBy, []string{"ASSIGNEE", "PARTICIPANT"}) {
		t.Fatalf("created: %+v", r)
	}
	if n := s.Count(`SELECT count(*) FROM cases WHERE id = ? AND creator_id = ? AND project_id = ? AND client_id = ? AND position_id IS NULL
		AND title = 'Zgłoszenie serwisowe'`, r.ID, janID, wdrozenie, acme); n != 1 {
		t.Error("the case's creator, project or client is not the guest, its first project, its company")
	}
	if n := s.Count(`SELECT count(*) FROM case_participants WHERE case_id = ? AND contact_id = ? AND role = 'PARTICIPANT'`, r.ID, janContact); n != 1 {
		t.Error("the guest's contact does not take part in its case")
	}
	if n := s.Count(`SELECT count(*) FROM case_tasks WHERE case_id = ? AND user_id = ? AND stage = 'NEW' AND active`, r.ID, janID); n != 1 ||
		s.Count(`SELECT count(*) FROM case_tasks WHERE case_id = ?`, r.ID) != 1 {
		t.Error("the guest does not hold the first stage's task alone")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'case.create' AND entity_id = ? AND kind = 'EXTERNAL' AND contact_id = ?`, r.ID, janContact); n != 1 {
		t.Error("the creation is not audited as the guest's")
	}
	// While the case is NEW the guest edits its request.
	jan.Do(`mutation($id: ID!) { updateServiceRequest(id: $id, input: {request: {description: "Już działa połowicznie."}}) { id } }`,
		map[string]any{"id": r.ID}).MustOK(t)

	// An explicit project the guest sees: a later one of its company, and one it sees through a case.
	jan.Do(createRequestQ, map[string]any{"in": request("Drugi", ""), "p": acme2027}).MustOK(t).Decode(t, &out)
	if n := s.Count(`SELECT count(*) FROM cases WHERE id = ? AND project_id = ?`, out.CreateServiceRequest.ID, acme2027); n != 1 {
		t.Error("the project given is not the case's")
	}
	printer := s.Count(`SELECT count(*) FROM cases WHERE title = 'Awaria drukarki w biurze ACME'`)
	if printer != 1 {
		t.Fatal("no demo printer case")
	}
	if _, err := s.DB.ExecContext(t.Context(), `UPDATE cases SET project_id = ? WHERE title = 'Awaria drukarki w biurze ACME'`, serwis); err != nil {
		t.Fatal(err)
	}
	jan.Do(createRequestQ, map[string]any{"in": request("Trzeci", ""), "p": serwis}).MustOK(t).Decode(t, &out)
	if n := s.Count(`SELECT count(*) FROM cases WHERE id = ? AND project_id = ?`, out.CreateServiceRequest.ID, serwis); n != 1 {
		t.Error("a project seen through a case is refused")
	}

	// Employees with rights see the case in their lists (here the administrator), others do not.
	var list struct {
		ServiceRequests struct {
			Edges []struct {
				Node struct {
					ID   string
					Case struct {
						Creator      *struct{ ID string }
						Participants []struct {
							Contact *struct{ ID string }
							Role    string
						}
						Project *struct{ Name string }
						Company *struct{ ID string }
					}
				}
			}
		}
	}
	admin.Do(`{ serviceRequests { edges { node { id case { creator { id } participants { contact { id } role } project { name } company { id } } } } } }`, nil).
		MustOK(t).Decode(t, &list)
	found := false
	for _, e := range list.ServiceRequests.Edges {
		if e.Node.ID != r.ID {
			continue
		}
		found = true
		c := e.Node.Case
		if c.Creator == nil || c.Creator.ID != janID || len(c.Participants) != 1 || c.Participants[0].Contact == nil ||
			c.Participants[0].Contact.ID != janContact || c.Project == nil || c.Project.Name != "Wdrożenie ACME" || c.Company == nil || c.Company.ID != acme {
			t.Errorf("the administrator sees the guest's case as %+v", c)
		}
	}
	if !found {
		t.Fatal("the administrator does not see the guest's case")
	}
	if ids := caseIDs(t, s.Login("pracownik@demo.casegate.test", app.DemoPassword), "cases"); slices.Contains(ids, r.ID) {
		t.Error("an employee without rights sees the guest's case")
	}
}

// TestGuestWithoutCompanyCreates: a contact of no company that takes part in nothing sees no project,
// so its case has neither project nor client.
func TestGuestWithoutCompanyCreates(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	admin.Do(`mutation { createProject(name: "Cudzy") { id } }`, nil).MustOK(t)
	contact := newContact(t, admin, "Anna Sama", "anna@example.com", "")
	enableGuest(t, admin, contact)
	var a activation
	activate(s.Anonymous(), lastInvitation(t, s, "anna@example.com", 1), "guest-password-1").MustOK(t).Decode(t, &a)
	anna := s.WithToken(a.ActivateAccount.Token)
	var out createdRequest
	anna.Do(createRequestQ, map[string]any{"in": request("Pytanie", "")}).MustOK(t).Decode(t, &out)
	if n := s.Count(`SELECT count(*) FROM cases WHERE id = ? AND project_id IS NULL AND client_id IS NULL`, out.CreateServiceRequest.ID); n != 1 {
		t.Error("a lone guest's case has a project or a client")
	}
	// Having created it, the guest sees the case; its project still is none.
	if ids := caseIDs(t, anna, "cases"); !slices.Contains(ids, out.CreateServiceRequest.ID) {
		t.Error("the guest does not see the case it created")
	}
}
