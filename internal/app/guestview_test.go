package app_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

// guestView is a client's world as the guest Jan Klient of ACME sees it: projects of ACME, of Globex
// and of no one; service requests he takes part in, one whose ACL names him (with allDocuments), one
// of ACME's he reaches only through guestsSeeCompanyCases, and one of Globex's he never sees.
type guestView struct {
	s                                *gqltest.Server
	admin, jan                       *gqltest.Client
	adminID, ewaID, janUserID        string
	acme, globex, janContact, kasia  string
	pACME, pGlobex, pNone, pOther    string
	part, shared, company, foreign   string // the cases
	offer, secret, note              string // documents: of shared (open, confidential), of part
	sharedFile, internalFile         string // attachments of part
	offerFile, offerInternalFile     string // attachments of the offer
	externalComment, internalComment string
}

func newGuestView(t *testing.T) *guestView {
	t.Helper()
	s := gqltest.Start(t)
	v := &guestView{s: s, admin: s.Admin()}
	a := v.admin
	var me struct {
		Me struct{ User struct{ ID string } }
	}
	a.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &me)
	v.adminID = me.Me.User.ID
	var ewa struct{ CreateUser struct{ ID string } }
	a.Do(`mutation { createUser(input: {email: "ewa@casegate.test", name: "Ewa Serwis", password: "user-password-1", phone: "+48500100200"}) { id } }`, nil).
		MustOK(t).Decode(t, &ewa)
	v.ewaID = ewa.CreateUser.ID
	var g struct{ CreateGroup struct{ ID string } }
	a.Do(`mutation { createGroup(name: "Serwis") { id } }`, nil).MustOK(t).Decode(t, &g)
	a.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": g.CreateGroup.ID, "u": v.ewaID}).MustOK(t)

	company := func(name string) string {
		var out struct{ CreateCompany struct{ ID string } }
		a.Do(`mutation($n: String!) { createCompany(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t).Decode(t, &out)
		return out.CreateCompany.ID
	}
	project := func(name, counterparty string) string {
		vars := map[string]any{"n": name}
		if counterparty != "" {
			vars["c"] = counterparty
		}
		var out struct{ CreateProject struct{ ID string } }
		a.Do(`mutation($n: String!, $c: ID) { createProject(name: $n, counterpartyId: $c) { id } }`, vars).MustOK(t).Decode(t, &out)
		return out.CreateProject.ID
	}
	v.acme, v.globex = company("ACME"), company("Globex")
	v.janContact = newContact(t, a, "Jan Klient", "jan@acme.example", v.acme)
	v.kasia = newContact(t, a, "Kasia Klientka", "kasia@acme.example", v.acme)
	v.pACME, v.pGlobex, v.pNone, v.pOther = project("Wdrożenie ACME", v.acme), project("Globex", v.globex), project("Bez kontrahenta", ""), project("Inny", "")
	request := func(title, projectID, client string) string {
		vars := map[string]any{"t": title, "p": projectID, "u": v.ewaID}
		if client != "" {
			vars["c"] = client
		}
		var out struct{ CreateServiceRequest struct{ ID string } }
		a.Do(`mutation($t: String!, $p: ID, $c: ID, $u: ID!) { createServiceRequest(title: $t, projectId: $p, clientId: $c, assigneeIds: [$u],
			input: {request: {subject: "Drukarka", description: "E-42"}, internal: {estimate: "350.00", internalNotes: "umowa serwisowa"}}) { id } }`,
			vars).MustOK(t).Decode(t, &out)
		return out.CreateServiceRequest.ID
	}
	v.part = request("Jan takes part", v.pGlobex, v.globex)
	v.shared = request("Shared with Jan", v.pNone, "")
	v.company = request("ACME's own", v.pOther, v.acme)
	v.foreign = request("Globex's own", v.pGlobex, v.globex)
	for _, k := range []string{v.janContact, v.kasia} {
		a.Do(`mutation($c: ID!, $k: ID!) { addCaseParticipant(caseId: $c, contactId: $k) { id } }`, map[string]any{"c": v.part, "k": k}).MustOK(t)
	}
	a.Do(`mutation($c: ID!, $k: ID!) { setCaseAcl(caseId: $c, entries: [{contactId: $k, rights: [READ], allDocuments: true}]) { id } }`,
		map[string]any{"c": v.shared, "k": v.janContact}).MustOK(t)
	// Kasia, his colleague, takes part in the same case, and is named on the foreign case: that
	// gives Jan nothing.
	a.Do(`mutation($c: ID!, $k: ID!) { setCaseAcl(caseId: $c, entries: [{contactId: $k, rights: [MANAGE], allDocuments: true}]) { id } }`,
		map[string]any{"c": v.foreign, "k": v.kasia}).MustOK(t)

	v.offer = createDocument(t, a, map[string]any{"title": "Oferta", "caseId": v.shared})
	v.secret = createDocument(t, a, map[string]any{"title": "Poufne", "caseId": v.shared, "confidential": true})
	v.note = createDocument(t, a, map[string]any{"title": "Notatka", "caseId": v.part})
	file := func(owner, id, name string, visible bool) string {
		r := uploadFile(t, a, `mutation($o: ID, $c: ID, $file: Upload!, $v: Boolean) { addAttachment(documentId: $o, caseId: $c, file: $file, visibleToExternal: $v) { id } }`,
			map[string]any{owner: id, "v": visible}, name, "text/plain", []byte(name))
		return mustAttachment(t, r, "addAttachment").ID
	}
	v.sharedFile, v.internalFile = file("c", v.part, "dla-klienta.txt", true), file("c", v.part, "wewnetrzny.txt", false)
	v.offerFile, v.offerInternalFile = file("o", v.offer, "oferta.txt", true), file("o", v.offer, "kalkulacja.txt", false)
	v.externalComment = mustComment(t, addComment(a, map[string]any{"c": v.part, "t": "Naprawimy jutro.", "v": true})).ID
	v.internalComment = mustComment(t, addComment(a, map[string]any{"c": v.part, "t": "Klient marudzi.", "v": false})).ID

	enableGuest(t, a, v.janContact)
	var act activation
	activate(s.Anonymous(), lastInvitation(t, s, "jan@acme.example", 1), "guest-password-1").MustOK(t).Decode(t, &act)
	v.jan = s.WithToken(act.ActivateAccount.Token)
	var self struct {
		Me struct{ User struct{ ID string } }
	}
	v.jan.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &self)
	v.janUserID = self.Me.User.ID
	return v
}

// seen is what a caller lists: projects with their cases, and cases.
type seen struct {
	projects map[string][]string // project id → its cases as the caller lists them
	cases    []string
}

func (v *guestView) sees(t *testing.T, c *gqltest.Client) seen {
	t.Helper()
	var out struct {
		Projects struct {
			Edges []struct {
				Node struct {
					ID    string
					Cases struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
		}
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	c.Do(`{ projects(first: 50) { edges { node { id cases(first: 50) { edges { node { id } } } } } }
		cases(first: 50) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &out)
	r := seen{projects: map[string][]string{}}
	for _, e := range out.Projects.Edges {
		ids := []string{}
		for _, c := range e.Node.Cases.Edges {
			ids = append(ids, c.Node.ID)
		}
		sort.Strings(ids)
		r.projects[e.Node.ID] = ids
	}
	for _, e := range out.Cases.Edges {
		r.cases = append(r.cases, e.Node.ID)
	}
	sort.Strings(r.cases)
	return r
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return out
}

// TestWhatAGuestSees: a guest logs in and sees exactly its projects and cases (and a project's case
// list only those), no internal section values, only the comments and attachments shared with it,
// the organisation's people by name only, the documents its case entry opens; the directory and
// internals are FORBIDDEN; guestsSeeCompanyCases widens the view to its company's cases.
func TestWhatAGuestSees(t *testing.T) {
	v := newGuestView(t)
	check := func(got seen, wantCases []string, wantProjects map[string][]string) {
		t.Helper()
		if !slices.Equal(got.cases, sorted(wantCases...)) {
			t.Errorf("cases %v, want %v", got.cases, sorted(wantCases...))
		}
		for id := range wantProjects {
			wantProjects[id] = sorted(wantProjects[id]...)
		}
		if len(got.projects) != len(wantProjects) {
			t.Errorf("projects %v, want %v", got.projects, wantProjects)
		}
		for id, want := range wantProjects {
			if have, ok := got.projects[id]; !ok || !slices.Equal(have, want) {
				t.Errorf("project %s: cases %v (listed %v), want %v", id, have, ok, want)
			}
		}
	}
	// Jan: ACME's project (its counterparty, no case of his), Globex's (holding the case he takes
	// part in; the other Globex case is not listed), the one holding the case shared with him.
	check(v.sees(t, v.jan), []string{v.part, v.shared},
		map[string][]string{v.pACME: {}, v.pGlobex: {v.part}, v.pNone: {v.shared}})
	// Employees see every project and, an administrator, every case.
	check(v.sees(t, v.admin), []string{v.part, v.shared, v.company, v.foreign},
		map[string][]string{v.pACME: {}, v.pGlobex: {v.part, v.foreign}, v.pNone: {v.shared}, v.pOther: {v.company}})
	v.jan.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": v.company}).MustFail(t, "NOT_FOUND")

	// The case he takes part in, as he sees it.
	var c struct {
		ServiceRequest struct {
			Request  *struct{ Subject, Description string }
			Internal *struct {
				Estimate      *string
				InternalNotes *string
			}
			Case struct {
				Project      *struct{ ID string }
				Position     *struct{ ID string }
				ACL          []struct{ Rights []string }
				Access       struct{ GrantedBy []string }
				Creator      guestPerson
				Assignees    []guestPerson
				Participants []struct {
					Contact *struct {
						ID           string
						Email, Phone *string
					}
				}
				Comments struct {
					Edges []struct{ Node struct{ ID, Text string } }
				}
				Attachments []struct{ ID string }
				Procedure   struct {
					Grants   []struct{ Right string }
					Sections []struct {
						Key    string
						Access struct {
							Internal       string
							VisibleOnlyFor []struct{ Group *struct{ ID string } }
						}
					}
				}
			}
		}
	}
	mine := mustComment(t, addComment(v.jan, map[string]any{"c": v.part, "t": "Dziękuję!"}))
	if !mine.VisibleToExternal {
		t.Error("a guest's comment is not visible to external principals")
	}
	v.jan.Do(`query($id: ID!) { serviceRequest(id: $id) { request { subject description } internal { estimate internalNotes }
		case { project { id } position { id } acl { rights } access { grantedBy }
			creator { `+guestPersonFields+` } assignees { `+guestPersonFields+` } participants { contact { id email phone } }
			comments { edges { node { id text } } } attachments { id }
			procedure { grants { right } sections { key access { internal visibleOnlyFor { group { id } } } } } } } }`,
		map[string]any{"id": v.part}).MustOK(t).Decode(t, &c)
	sr := c.ServiceRequest
	if sr.Request == nil || sr.Request.Subject != "Drukarka" || sr.Internal != nil && (sr.Internal.Estimate != nil || sr.Internal.InternalNotes != nil) {
		t.Errorf("the form as the guest sees it: request %+v, internal %+v", sr.Request, sr.Internal)
	}
	kase := sr.Case
	if kase.Project == nil || kase.Project.ID != v.pGlobex || kase.Position != nil || len(kase.ACL) != 0 {
		t.Errorf("the case's links: project %+v, position %+v, acl %+v", kase.Project, kase.Position, kase.ACL)
	}
	if !slices.Equal(kase.Access.GrantedBy, []string{"PARTICIPANT"}) {
		t.Errorf("granted by %v", kase.Access.GrantedBy)
	}
	// People by name only.
	kase.Creator.byNameOnly(t, v.adminID, kase.Creator.Name)
	if len(kase.Assignees) != 1 {
		t.Fatalf("assignees %+v", kase.Assignees)
	}
	kase.Assignees[0].byNameOnly(t, v.ewaID, "Ewa Serwis")
	// Contacts too: his own with its e-mail, his colleague's by name only.
	if len(kase.Participants) != 2 {
		t.Fatalf("participants %+v", kase.Participants)
	}
	for _, pt := range kase.Participants {
		own := pt.Contact.ID == v.janContact
		if (pt.Contact.Email != nil) != own || pt.Contact.Phone != nil {
			t.Errorf("participant %s (his own: %v): e-mail %v, phone %v", pt.Contact.ID, own, pt.Contact.Email, pt.Contact.Phone)
		}
	}
	var comments []string
	for _, e := range kase.Comments.Edges {
		comments = append(comments, e.Node.ID)
	}
	if !slices.Equal(comments, []string{v.externalComment, mine.ID}) {
		t.Errorf("comments %v, want the shared one %s and his own %s (not the internal %s)", comments, v.externalComment, mine.ID, v.internalComment)
	}
	if len(kase.Attachments) != 1 || kase.Attachments[0].ID != v.sharedFile {
		t.Errorf("attachments %+v, want only %s", kase.Attachments, v.sharedFile)
	}
	if len(kase.Procedure.Grants) != 0 {
		t.Errorf("the procedure's grants are shown: %+v", kase.Procedure.Grants)
	}
	for _, sec := range kase.Procedure.Sections {
		if sec.Key == "internal" && sec.Access.Internal != "HIDDEN" || len(sec.Access.VisibleOnlyFor) != 0 {
			t.Errorf("section %s shows the internal audience's settings: %+v", sec.Key, sec.Access)
		}
	}
	// An internal attachment does not exist for him, nor does its content.
	if res, _ := fetchAttachment(t, v.s, v.jan, "/attachments/"+v.internalFile); res.StatusCode != 404 {
		t.Errorf("the internal attachment downloads with %d", res.StatusCode)
	}
	if res, body := fetchAttachment(t, v.s, v.jan, "/attachments/"+v.sharedFile); res.StatusCode != 200 || string(body) != "dla-klienta.txt" {
		t.Errorf("the shared attachment: %d %q", res.StatusCode, body)
	}

	// His own account in full.
	var me struct {
		Me struct {
			User struct {
				Email *string
				Name  string
			}
		}
	}
	v.jan.Do(`{ me { user { email name } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.User.Email == nil || *me.Me.User.Email != "jan@acme.example" {
		t.Errorf("his own account: %+v", me.Me.User)
	}
	// Employees still see people in full.
	var full struct{ User guestPerson }
	v.admin.Do(`query($id: ID!) { user(id: $id) { `+guestPersonFields+` } }`, map[string]any{"id": v.ewaID}).MustOK(t).Decode(t, &full)
	if full.User.Email == nil || full.User.Phone == nil || len(full.User.Groups) != 1 {
		t.Errorf("an employee sees %+v", full.User)
	}

	// Documents: the shared case's open document, with its shared attachment; not the
	// confidential one, nor the one of the case he only takes part in.
	if got := documentIDs(t, v.jan); !slices.Equal(got, []string{v.offer}) {
		t.Errorf("documents %v, want only %s (not %s, %s)", got, v.offer, v.secret, v.note)
	}
	var doc struct {
		Document struct {
			Attachments []struct{ ID string }
			Access      struct{ GrantedBy []string }
			Position    *struct{ ID string }
		}
	}
	v.jan.Do(`query($id: ID!) { document(id: $id) { attachments { id } access { grantedBy } position { id } } }`, map[string]any{"id": v.offer}).MustOK(t).Decode(t, &doc)
	if len(doc.Document.Attachments) != 1 || doc.Document.Attachments[0].ID != v.offerFile || !slices.Equal(doc.Document.Access.GrantedBy, []string{"CASE"}) {
		t.Errorf("the offer as he sees it: %+v", doc.Document)
	}
	for _, id := range []string{v.secret, v.note} {
		v.jan.Do(`query($id: ID!) { document(id: $id) { id } }`, map[string]any{"id": id}).MustFail(t, "NOT_FOUND")
	}
	if res, _ := fetchAttachment(t, v.s, v.jan, "/attachments/"+v.offerInternalFile); res.StatusCode != 404 {
		t.Errorf("the offer's internal attachment downloads with %d", res.StatusCode)
	}

	// The directory and the internals are FORBIDDEN; so is sharing a case.
	vars := map[string]any{"case": v.part, "doc": v.offer, "user": v.ewaID, "contact": v.janContact}
	for _, q := range []string{
		`{ users { edges { node { id } } } }`,
		`query($user: ID!) { user(id: $user) { id } }`,
		`{ groups { edges { node { id } } } }`,
		`{ positions { edges { node { id } } } }`,
		`{ auditLog { edges { node { id } } } }`,
		`{ settings { timeZone } }`,
		`{ outboxMessages { edges { node { id } } } }`,
		`{ procedures { key } }`,
		`{ procedure(key: "service-request") { key } }`,
		`query($case: ID!) { explainFieldAccess(caseId: $case, field: "request.subject") { mode } }`,
		`query($doc: ID!) { explainDocumentAccess(documentId: $doc) { rights } }`,
		`query($case: ID!) { temporaryAccessGrants(caseId: $case) { edges { node { id } } } }`,
		`{ substitutions { edges { node { id } } } }`,
		`{ substitution(id: "00000000-0000-4000-8000-000000000000") { id } }`,
		`{ group(id: "00000000-0000-4000-8000-000000000000") { id } }`,
		`{ position(id: "00000000-0000-4000-8000-000000000000") { id } }`,
		`mutation($case: ID!, $contact: ID!) { setCaseAcl(caseId: $case, entries: [{contactId: $contact, rights: [READ]}]) { id } }`,
		`mutation($case: ID!, $user: ID!) { addCaseParticipant(caseId: $case, userId: $user) { id } }`,
		`mutation($case: ID!) { setCaseFieldMode(caseId: $case, field: "internal", mode: MODIFY) { id } }`,
	} {
		v.jan.Do(q, vars).MustFail(t, "FORBIDDEN")
	}

	// guestsSeeCompanyCases widens his view to ACME's cases, and so to their projects.
	v.admin.Do(`mutation { updateSettings(input: {guestsSeeCompanyCases: true}) { guestsSeeCompanyCases } }`, nil).MustOK(t)
	check(v.sees(t, v.jan), []string{v.part, v.shared, v.company},
		map[string][]string{v.pACME: {}, v.pGlobex: {v.part}, v.pNone: {v.shared}, v.pOther: {v.company}})
	var company struct {
		Case struct{ Access struct{ GrantedBy []string } }
	}
	v.jan.Do(`query($id: ID!) { case(id: $id) { access { grantedBy } } }`, map[string]any{"id": v.company}).MustOK(t).Decode(t, &company)
	if !slices.Equal(company.Case.Access.GrantedBy, []string{"COMPANY"}) {
		t.Errorf("ACME's case granted by %v", company.Case.Access.GrantedBy)
	}
	// Still no document of it: documents open to a guest only through its case entry.
	if got := documentIDs(t, v.jan); !slices.Equal(got, []string{v.offer}) {
		t.Errorf("documents with the setting on: %v", got)
	}
	v.admin.Do(`mutation { updateSettings(input: {guestsSeeCompanyCases: false}) { guestsSeeCompanyCases } }`, nil).MustOK(t)
	check(v.sees(t, v.jan), []string{v.part, v.shared},
		map[string][]string{v.pACME: {}, v.pGlobex: {v.part}, v.pNone: {v.shared}})
}

// TestTemporaryAccessListsNoProjects: a temporary-access person may not list projects.
func TestTemporaryAccessListsNoProjects(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, nil)
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	person.Do(`{ projects { edges { node { id } } } }`, nil).MustFail(t, "FORBIDDEN")
	var out struct {
		Case struct{ Project *struct{ ID string } }
	}
	person.Do(`query($id: ID!) { case(id: $id) { project { id } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &out)
	if out.Case.Project != nil {
		t.Errorf("a temporary-access person sees the project %+v", out.Case.Project)
	}
}

const guestPersonFields = `id name email phone profileExpiresOn permissions manager { id } groups { id } positionRights { includeSubtree }`

// guestPerson is a user as a guest must see it: id and name, nothing else.
type guestPerson struct {
	ID, Name         string
	Email, Phone     *string
	ProfileExpiresOn *string
	Permissions      []string
	Manager          *struct{ ID string }
	Groups           []struct{ ID string }
	PositionRights   []struct{ IncludeSubtree bool }
}

func (p guestPerson) byNameOnly(t *testing.T, id, name string) {
	t.Helper()
	if p.ID != id || p.Name != name {
		t.Errorf("user %s %q, want %s %q", p.ID, p.Name, id, name)
	}
	if p.Email != nil || p.Phone != nil || p.ProfileExpiresOn != nil || len(p.Permissions) != 0 || p.Manager != nil ||
		len(p.Groups) != 0 || len(p.PositionRights) != 0 {
		t.Errorf("a guest is shown more of %s than its name: %+v", name, p)
	}
}

// TestProjectsPage: projects page newest first by keyset, neither skipping nor repeating, and
// first and after are checked like every list's.
func TestProjectsPage(t *testing.T) {
	v := newGuestView(t)
	type page struct {
		Projects struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	q := `query($f: Int, $a: String) { projects(first: $f, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`
	var all []string
	var after *string
	for range 3 {
		var p page
		v.admin.Do(q, map[string]any{"f": 3, "a": after}).MustOK(t).Decode(t, &p)
		for _, e := range p.Projects.Edges {
			all = append(all, e.Node.ID)
		}
		if !p.Projects.PageInfo.HasNextPage {
			break
		}
		after = p.Projects.PageInfo.EndCursor
	}
	if !slices.Equal(sorted(all...), sorted(v.pACME, v.pGlobex, v.pNone, v.pOther)) {
		t.Fatalf("pages hold %v", all)
	}
	var first page
	v.admin.Do(q, map[string]any{"f": 4}).MustOK(t).Decode(t, &first)
	var ids []string
	for _, e := range first.Projects.Edges {
		ids = append(ids, e.Node.ID)
	}
	if !slices.Equal(ids, all) || first.Projects.PageInfo.HasNextPage {
		t.Errorf("one page %v (more: %v), three pages %v", ids, first.Projects.PageInfo.HasNextPage, all)
	}
	if e := v.admin.Do(q, map[string]any{"f": -1}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "first" {
		t.Errorf("first -1: %+v", e)
	}
	for _, bad := range []string{"not-a-cursor", "WyJ4Il0"} {
		if e := v.jan.Do(q, map[string]any{"a": bad}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "after" {
			t.Errorf("after %q: %+v", bad, e)
		}
	}
}
