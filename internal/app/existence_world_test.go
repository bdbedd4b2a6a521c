package app_test

import (
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

// leakWorld holds, for each kind of object an operation takes the id of, one that exists and that
// neither the villain (an employee without any right), the temporary-access person (a grant on
// another case), a guest (EXTERNAL) nor an anonymous caller may read.
type leakWorld struct {
	villainID, ownCase                      string // ownCase: the person's case, which it may read
	caseQ, caseS, caseR                     string // a questionnaire, a salary change, a service request
	document, task, documentFile, caseFile  string
	grant                                   string
	user, group, position, company, project string
	contact                                 string
	outboxMessage                           string                     // the invitation of the grant above
	villainDocument                         string                     // the villain's own document
	substitution                            string                     // Kadry substituted by the administrator
	callers                                 map[string]*gqltest.Client // by principal kind
}

func newLeakWorld(t *testing.T, s *gqltest.Server) *leakWorld {
	t.Helper()
	w := newTempWorld(t, s)
	lw := &leakWorld{caseQ: w.otherID, ownCase: w.caseID, user: w.kadryID}
	lw.villainID = createUser(t, w.admin, "villain@casegate.test", "Villain")
	var sc struct{ CreateSalaryChange struct{ ID string } }
	w.kadry.Do(`mutation { createSalaryChange(input: {}) { id } }`, nil).MustOK(t).Decode(t, &sc)
	lw.caseS = sc.CreateSalaryChange.ID
	var sr struct{ CreateServiceRequest struct{ ID string } }
	w.kadry.Do(`mutation { createServiceRequest(input: {}) { id } }`, nil).MustOK(t).Decode(t, &sr)
	lw.caseR = sr.CreateServiceRequest.ID
	lw.document = createDocument(t, w.kadry, map[string]any{"title": "Umowa"})
	var task struct {
		AssignDocumentTask struct{ Tasks []struct{ ID string } }
	}
	w.kadry.Do(`mutation($d: ID!, $u: ID!) { assignDocumentTask(documentId: $d, userId: $u) { tasks { id } } }`,
		map[string]any{"d": lw.document, "u": w.kadryID}).MustOK(t).Decode(t, &task)
	lw.task = task.AssignDocumentTask.Tasks[0].ID
	lw.documentFile = mustAttachment(t, addAttachment(t, w.kadry, lw.document, "a.txt", "text/plain", []byte("a")), "addAttachment").ID
	lw.caseFile = mustAttachment(t, uploadFile(t, w.kadry, `mutation($c: ID, $file: Upload!) { addAttachment(caseId: $c, file: $file) { id } }`,
		map[string]any{"c": w.otherID}, "b.txt", "text/plain", []byte("b")), "addAttachment").ID
	var g struct{ GrantTemporaryAccess struct{ ID string } }
	w.kadry.Do(`mutation($c: ID!) { grantTemporaryAccess(caseId: $c, input: {email: "inny@example.com", loginMethod: EMAIL_CODE}) { id } }`,
		map[string]any{"c": w.otherID}).MustOK(t).Decode(t, &g)
	lw.grant = g.GrantTemporaryAccess.ID
	lw.group = w.groupID(t, "Kadry")
	w.admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": lw.group, "u": w.kadryID}).MustOK(t)
	var pos struct{ CreatePosition struct{ ID string } }
	w.admin.Do(`mutation { createPosition(name: "Sekretariat") { id } }`, nil).MustOK(t).Decode(t, &pos)
	lw.position = pos.CreatePosition.ID
	var company struct{ CreateCompany struct{ ID string } }
	w.admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	lw.company = company.CreateCompany.ID
	var project struct{ CreateProject struct{ ID string } }
	w.admin.Do(`mutation($c: ID) { createProject(name: "Wdrożenie", counterpartyId: $c) { id } }`, map[string]any{"c": lw.company}).MustOK(t).Decode(t, &project)
	lw.project = project.CreateProject.ID
	var contact struct{ CreateContact struct{ ID string } }
	w.admin.Do(`mutation($c: ID) { createContact(input: {name: "Jan Kontakt", companyId: $c}) { id } }`, map[string]any{"c": lw.company}).MustOK(t).Decode(t, &contact)
	lw.contact = contact.CreateContact.ID
	var outbox struct {
		OutboxMessages struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	w.admin.Do(`{ outboxMessages(first: 1) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &outbox)
	if len(outbox.OutboxMessages.Edges) == 0 {
		t.Fatal("no outbox message to hide")
	}
	lw.outboxMessage = outbox.OutboxMessages.Edges[0].Node.ID
	var me0 struct {
		Me struct{ User struct{ ID string } }
	}
	w.admin.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &me0)
	lw.substitution = mustSubstitution(t, createSubstitution(w.admin, map[string]any{"substitutedId": w.kadryID, "substituteId": me0.Me.User.ID})).ID

	// The person's grant opens everything a grant can open, so only the object's own rules refuse.
	w.grant(t, map[string]any{"allowedActions": []string{"ATTACHMENTS", "COMMENTS", "HISTORY"}})
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	// A guest (EXTERNAL): a contact given guest access, activated from its invitation.
	var guestContact struct{ CreateContact struct{ ID string } }
	w.admin.Do(`mutation { createContact(input: {name: "Gość", email: "guest@example.com"}) { id } }`, nil).MustOK(t).Decode(t, &guestContact)
	enableGuest(t, w.admin, guestContact.CreateContact.ID)
	var activated activation
	activate(s.Anonymous(), lastInvitation(t, s, "guest@example.com", 1), "guest-password-1").MustOK(t).Decode(t, &activated)
	guest := s.WithToken(activated.ActivateAccount.Token)
	var me struct{ Me struct{ Kind string } }
	guest.Do(`{ me { kind } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Kind != "EXTERNAL" {
		t.Fatalf("the guest's session is %s", me.Me.Kind)
	}
	villain := s.Login("villain@casegate.test", "user-password-1")
	lw.villainDocument = createDocument(t, villain, map[string]any{"title": "Notatka"})
	lw.callers = map[string]*gqltest.Client{
		"employee":  villain,
		"temporary": person,
		"external":  guest,
		"anonymous": s.Anonymous(),
	}
	return lw
}

// idRow is one operation called with an id under test ($id) in one of its arguments, naming hidden,
// an object of the world that exists and that the callers may not read.
type idRow struct {
	doc    string // one root field; $id is in one of its arguments
	hidden func(*leakWorld) string
	vars   func(*leakWorld) map[string]any // the operation's other variables
	// employeesRead marks the directory and structure (users, groups, positions, companies,
	// projects): every employee may read them, so only the other callers may not.
	employeesRead bool
	upload        bool // a multipart request with a file in variables.file
}

func idRows() []idRow {
	caseQ := func(w *leakWorld) string { return w.caseQ }
	document := func(w *leakWorld) string { return w.document }
	user := func(w *leakWorld) string { return w.user }
	group := func(w *leakWorld) string { return w.group }
	position := func(w *leakWorld) string { return w.position }
	company := func(w *leakWorld) string { return w.company }
	villain := func(w *leakWorld) map[string]any { return map[string]any{"u": w.villainID} }
	ownCase := func(w *leakWorld) map[string]any { return map[string]any{"c": w.ownCase} }
	villainDocument := func(w *leakWorld) map[string]any { return map[string]any{"d": w.villainDocument} }
	substitutionOf := func(w *leakWorld) string { return w.substitution }
	rows := []idRow{
		{doc: `query($id: ID!) { case(id: $id) { id } }`, hidden: caseQ},
		{doc: `query($id: ID) { cases(filter: {projectId: $id}) { edges { node { id } } } }`, hidden: func(w *leakWorld) string { return w.project }},
		{doc: `query($id: ID!) { explainFieldAccess(caseId: $id, field: "basic.firstName") { mode } }`, hidden: caseQ},
		{doc: `query($id: ID, $c: ID!) { explainFieldAccess(caseId: $c, field: "basic.firstName", userId: $id) { mode } }`, hidden: user,
			vars: ownCase, employeesRead: true},
		{doc: `query($id: ID!) { document(id: $id) { id } }`, hidden: document},
		{doc: `query($id: ID) { documents(filter: {caseId: $id}) { edges { node { id } } } }`, hidden: caseQ},
		{doc: `query($id: ID!) { explainDocumentAccess(documentId: $id) { rights } }`, hidden: document},
		{doc: `query($id: ID!) { user(id: $id) { id } }`, hidden: user, employeesRead: true},
		{doc: `query($id: ID) { users(filter: {groupId: $id}) { edges { node { id } } } }`, hidden: group, employeesRead: true},
		{doc: `query($id: ID!) { group(id: $id) { id } }`, hidden: group, employeesRead: true},
		{doc: `query($id: ID!) { position(id: $id) { id } }`, hidden: position, employeesRead: true},
		{doc: `query($id: ID) { positions(parentId: $id) { edges { node { id } } } }`, hidden: position, employeesRead: true},
		{doc: `query($id: ID) { auditLog(filter: {userId: $id}) { edges { node { id } } } }`, hidden: user},
		{doc: `query($id: ID!) { temporaryAccessGrants(caseId: $id) { edges { node { id } } } }`, hidden: caseQ},
		{doc: `query($id: ID!) { caseAudience(caseId: $id) { totalCount } }`, hidden: caseQ},
		{doc: `query($id: ID!) { documentAudience(documentId: $id) { totalCount } }`, hidden: document},
		{doc: `query($id: ID!) { candidateQuestionnaire(id: $id) { id } }`, hidden: caseQ},
		{doc: `query($id: ID!) { salaryChange(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.caseS }},
		{doc: `query($id: ID!) { serviceRequest(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.caseR }},

		{doc: `mutation($id: ID, $file: Upload!) { addAttachment(documentId: $id, file: $file) { id } }`, hidden: document, upload: true},
		{doc: `mutation($id: ID, $file: Upload!) { addAttachment(caseId: $id, file: $file) { id } }`, hidden: caseQ, upload: true},
		{doc: `mutation($id: ID!, $file: Upload!) { replaceAttachment(id: $id, file: $file) { id } }`, hidden: func(w *leakWorld) string { return w.documentFile }, upload: true},
		{doc: `mutation($id: ID!, $file: Upload!) { replaceAttachment(id: $id, file: $file) { id } }`, hidden: func(w *leakWorld) string { return w.caseFile }, upload: true},
		{doc: `mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.documentFile }},
		{doc: `mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.caseFile }},
		{doc: `mutation($id: ID!) { moveCase(id: $id, toStage: "HR_REVIEW") { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID!, $c: ID!) { moveCase(id: $c, toStage: "HR_REVIEW", assigneeIds: [$id]) { id } }`, hidden: user,
			vars: ownCase, employeesRead: true},
		{doc: `mutation($id: ID!) { setCaseFieldMode(caseId: $id, field: "basic", mode: HIDDEN) { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID!) { setCaseAcl(caseId: $id, entries: []) { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID, $c: ID!) { setCaseAcl(caseId: $c, entries: [{userId: $id, rights: [READ]}]) { id } }`, hidden: user,
			vars: ownCase, employeesRead: true},
		{doc: `mutation($id: ID!, $u: ID) { addCaseParticipant(caseId: $id, userId: $u) { id } }`, hidden: caseQ, vars: villain},
		{doc: `mutation($id: ID, $c: ID!) { addCaseParticipant(caseId: $c, userId: $id) { id } }`, hidden: user,
			vars: ownCase, employeesRead: true},
		{doc: `mutation($id: ID) { setSectionAccess(procedure: "salary-change", section: "employee", input: {visibleOnlyFor: [{userId: $id}]}) { key } }`, hidden: user},
		{doc: `mutation($id: ID) { setFieldAccess(procedure: "salary-change", field: "employee.department", input: {visibleOnlyFor: [{userId: $id}]}) { key } }`, hidden: user},
		{doc: `mutation($id: ID) { setAccessMatrix(procedure: "salary-change", version: 0, lists: [{target: "employee.department", visibleOnlyFor: [{userId: $id}]}]) { version } }`, hidden: user},
		{doc: `mutation($id: ID) { grantProcedureAccess(procedure: "salary-change", principal: {userId: $id}, right: READ) { key } }`, hidden: user},
		{doc: `mutation($id: ID) { revokeProcedureAccess(procedure: "salary-change", principal: {groupId: $id}) { key } }`, hidden: group},
		{doc: `mutation($id: ID!, $u: ID!) { grantClientAccess(clientId: $id, userId: $u) { clientId } }`, hidden: company, vars: villain},
		{doc: `mutation($id: ID!, $u: ID!) { revokeClientAccess(clientId: $id, userId: $u) { clientId } }`, hidden: company, vars: villain},
		{doc: `mutation($id: ID) { createContact(input: {name: "Jan", companyId: $id}) { id } }`, hidden: company, employeesRead: true},
		{doc: `mutation($id: ID!) { setGuestAccess(contactId: $id, enabled: true) { id } }`, hidden: func(w *leakWorld) string { return w.contact }},
		{doc: `mutation($id: ID!) { updateContact(id: $id, input: {name: "x"}) { id } }`, hidden: func(w *leakWorld) string { return w.contact }},
		{doc: `mutation($id: ID) { createProject(name: "P", counterpartyId: $id) { id } }`, hidden: company, employeesRead: true},
		{doc: `mutation($id: ID) { addComment(caseId: $id, text: "x") { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID) { addComment(documentId: $id, text: "x") { id } }`, hidden: document},
		{doc: `mutation($id: ID) { createDocument(input: {title: "x", caseId: $id}) { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID!) { updateDocument(id: $id, input: {title: "x"}) { id } }`, hidden: document},
		{doc: `mutation($id: ID!) { setDocumentAcl(documentId: $id, entries: []) { id } }`, hidden: document},
		{doc: `mutation($id: ID!, $p: ID!) { forwardDocument(documentId: $id, positionId: $p) { id } }`, hidden: document,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"p": w.position} }},
		{doc: `mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`, hidden: document, vars: villain},
		{doc: `mutation($id: ID!) { completeTask(taskId: $id) { id } }`, hidden: func(w *leakWorld) string { return w.task }},
		{doc: `mutation($id: ID) { createUser(input: {email: "n@casegate.test", name: "N", password: "user-password-1", managerId: $id}) { id } }`, hidden: user},
		{doc: `mutation($id: ID!) { updateUser(id: $id, input: {name: "x"}) { id } }`, hidden: user},
		{doc: `mutation($id: ID!) { setUserStatus(id: $id, status: BLOCKED) { id } }`, hidden: user},
		{doc: `mutation($id: ID!) { grantPermission(userId: $id, permission: ADMIN) { id } }`, hidden: user},
		{doc: `mutation($id: ID!) { revokePermission(userId: $id, permission: ADMIN) { id } }`, hidden: user},
		{doc: `mutation($id: ID!) { startPreview(userId: $id) { token } }`, hidden: user},
		{doc: `mutation($id: ID!, $u: ID!) { addGroupMember(groupId: $id, userId: $u) { id } }`, hidden: group, vars: villain},
		{doc: `mutation($id: ID!, $u: ID!) { removeGroupMember(groupId: $id, userId: $u) { id } }`, hidden: group, vars: villain},
		{doc: `mutation($id: ID) { createPosition(name: "x", parentId: $id) { id } }`, hidden: position},
		{doc: `mutation($id: ID!, $u: ID!) { grantPositionRight(positionId: $id, userId: $u) { includeSubtree } }`, hidden: position, vars: villain},
		{doc: `mutation($id: ID!, $u: ID!) { revokePositionRight(positionId: $id, userId: $u) { id } }`, hidden: position, vars: villain},
		{doc: `mutation($id: ID!) { grantTemporaryAccess(caseId: $id, input: {email: "x@example.com", loginMethod: EMAIL_CODE}) { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID!) { revokeTemporaryAccess(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.grant }},
		{doc: `mutation($id: ID!) { retryOutboxMessage(id: $id) { id } }`, hidden: func(w *leakWorld) string { return w.outboxMessage }},
		{doc: `query($id: ID!) { substitution(id: $id) { id } }`, hidden: substitutionOf},
		{doc: `mutation($id: ID!) { updateSubstitution(id: $id, input: {active: false}) { id } }`, hidden: substitutionOf},
		{doc: `mutation($id: ID!) { extendSubstitution(id: $id, dateTo: "2999-01-01") { id } }`, hidden: substitutionOf},
		{doc: `mutation($id: ID!) { startSubstitution(id: $id) { kind } }`, hidden: substitutionOf},
		{doc: `mutation($id: ID) { createSubstitution(input: {substituteId: $id}) { id } }`, hidden: user, employeesRead: true},
		{doc: `mutation($id: ID, $s: ID!) { updateSubstitution(id: $s, input: {substituteId: $id}) { id } }`, hidden: user,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"s": w.substitution} }, employeesRead: true},
		{doc: `mutation($id: ID!) { updateCandidateQuestionnaire(id: $id, input: {hr: {notes: "x"}}) { id } }`, hidden: caseQ},
		{doc: `mutation($id: ID!) { updateSalaryChange(id: $id, input: {employee: {department: "x"}}) { id } }`, hidden: func(w *leakWorld) string { return w.caseS }},
		{doc: `mutation($id: ID!) { updateServiceRequest(id: $id, input: {request: {subject: "x"}}) { id } }`, hidden: func(w *leakWorld) string { return w.caseR }},

		// The other arguments of operations on an object the caller may read (the person's case,
		// the villain's document), or that refuse the caller before any lookup.
		{doc: `query($id: ID, $d: ID!) { explainDocumentAccess(documentId: $d, userId: $id) { rights } }`, hidden: user, vars: villainDocument, employeesRead: true},
		{doc: `mutation($id: ID, $c: ID!) { addCaseParticipant(caseId: $c, contactId: $id) { id } }`, hidden: func(w *leakWorld) string { return w.contact },
			vars: ownCase, employeesRead: true},
		{doc: `mutation($id: ID!, $c: ID!) { grantClientAccess(clientId: $c, userId: $id) { clientId } }`, hidden: user,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"c": w.company} }},
		{doc: `mutation($id: ID!, $c: ID!) { revokeClientAccess(clientId: $c, userId: $id) { clientId } }`, hidden: user,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"c": w.company} }},
		{doc: `mutation($id: ID, $d: ID!) { setDocumentAcl(documentId: $d, entries: [{userId: $id, rights: [READ]}]) { id } }`, hidden: user, vars: villainDocument, employeesRead: true},
		{doc: `mutation($id: ID!, $d: ID!) { forwardDocument(documentId: $d, positionId: $id) { id } }`, hidden: position, vars: villainDocument, employeesRead: true},
		{doc: `mutation($id: ID!, $d: ID!) { assignDocumentTask(documentId: $d, userId: $id) { id } }`, hidden: user, vars: villainDocument, employeesRead: true},
		{doc: `mutation($id: ID, $u: ID!) { updateUser(id: $u, input: {managerId: $id}) { id } }`, hidden: user, vars: villain},
		{doc: `mutation($id: ID!, $g: ID!) { addGroupMember(groupId: $g, userId: $id) { id } }`, hidden: user, vars: func(w *leakWorld) map[string]any { return map[string]any{"g": w.group} }},
		{doc: `mutation($id: ID!, $g: ID!) { removeGroupMember(groupId: $g, userId: $id) { id } }`, hidden: user, vars: func(w *leakWorld) map[string]any { return map[string]any{"g": w.group} }},
		{doc: `mutation($id: ID!, $p: ID!) { grantPositionRight(positionId: $p, userId: $id) { includeSubtree } }`, hidden: user,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"p": w.position} }},
		{doc: `mutation($id: ID!, $p: ID!) { revokePositionRight(positionId: $p, userId: $id) { id } }`, hidden: user,
			vars: func(w *leakWorld) map[string]any { return map[string]any{"p": w.position} }},
	}
	// Creating a case of any procedure names a project, a client, a position and assignees.
	for _, create := range []string{"createCandidateQuestionnaire", "createSalaryChange", "createServiceRequest"} {
		for _, arg := range []struct {
			name, value string
			hidden      func(*leakWorld) string
		}{
			{"projectId", "$id", func(w *leakWorld) string { return w.project }},
			{"clientId", "$id", company},
			{"positionId", "$id", position},
			{"assigneeIds", "[$id]", user},
		} {
			rows = append(rows, idRow{doc: `mutation($id: ID!) { ` + create + `(input: {}, ` + arg.name + `: ` + arg.value + `) { id } }`,
				hidden: arg.hidden, employeesRead: true})
		}
	}
	return rows
}
