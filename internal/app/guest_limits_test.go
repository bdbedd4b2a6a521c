package app_test

import (
	"testing"

	"github.com/casegate/casegate/internal/app"
)

// TestGuestsDoNotSteerTheOrganisation: a guest holding WRITE on its own request (the first task)
// may fill it in and add files, but not move the case on (that would choose who reads it next and
// skip the organisation's required fields), and not replace or delete the organisation's files;
// nobody may give a task to a guest account.
func TestGuestsDoNotSteerTheOrganisation(t *testing.T) {
	s := demoServer(t)
	admin := s.Admin()
	jan := s.Login(app.DemoGuestEmail, app.DemoPassword)
	var created struct{ CreateServiceRequest struct{ ID string } }
	jan.Do(`mutation { createServiceRequest(input: {request: {subject: "Skaner", description: "E21"}}) { id } }`, nil).
		MustOK(t).Decode(t, &created)
	id := created.CreateServiceRequest.ID
	var me struct {
		Me struct{ User struct{ ID string } }
	}
	jan.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &me)

	// Moving: refused to the guest in every form, with nothing written.
	moves := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'case.move'`)
	for _, vars := range []map[string]any{
		{"id": id, "to": "IN_PROGRESS"},
		{"id": id, "to": "DONE"},
		{"id": id, "to": "IN_PROGRESS", "a": []string{me.Me.User.ID}},
	} {
		jan.Do(`mutation($id: ID!, $to: String!, $a: [ID!]) { moveCase(id: $id, toStage: $to, assigneeIds: $a) { stage } }`, vars).
			MustFail(t, "FORBIDDEN")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'case.move'`); n != moves {
		t.Fatalf("a refused move wrote %d audit records", n-moves)
	}
	if n := s.Count(`SELECT count(*) FROM cases WHERE id = ? AND stage = 'NEW'`, id); n != 1 {
		t.Fatal("the guest's request left its first stage")
	}
	// An employee may not hand the case to a guest account either.
	e := admin.Do(`mutation($id: ID!, $a: [ID!]) { moveCase(id: $id, toStage: "IN_PROGRESS", assigneeIds: $a) { stage } }`,
		map[string]any{"id": id, "a": []string{me.Me.User.ID}}).MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["field"] != "assigneeIds" {
		t.Fatalf("refusal names %v", e.Extensions["field"])
	}

	// Files: the guest's own it may replace and delete; the organisation's shared one it may not.
	shared := mustCaseAttachment(t, uploadFile(t, admin, `mutation($c: ID!, $file: Upload!) { addAttachment(caseId: $c, file: $file, visibleToExternal: true) { `+
		caseAttachmentFields+` } }`, map[string]any{"c": id}, "faktura.txt", "text/plain", []byte("IBAN PL00 1111")), "addAttachment")
	replaceAttachment(t, jan, shared.ID, "faktura.txt", "text/plain", []byte("IBAN PL99 6666")).MustFail(t, "FORBIDDEN")
	jan.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": shared.ID}).MustFail(t, "FORBIDDEN")
	if n := s.Count(`SELECT count(*) FROM attachments WHERE id = ?`, shared.ID); n != 1 {
		t.Fatal("the organisation's file is gone")
	}
	own := mustCaseAttachment(t, attach(t, jan, map[string]any{"c": id}, "zdjecie.txt", []byte("photo")), "addAttachment")
	replaceAttachment(t, jan, own.ID, "zdjecie.txt", "text/plain", []byte("a better photo")).MustOK(t)
	jan.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": own.ID}).MustOK(t)

	// The organisation moves the request on; the guest keeps READ as a participant.
	admin.Do(`mutation($id: ID!) { moveCase(id: $id, toStage: "IN_PROGRESS", toSystemUser: true) { stage } }`, map[string]any{"id": id}).MustOK(t)
	var rights struct {
		Case struct{ Access struct{ Rights []string } }
	}
	jan.Do(`query($id: ID!) { case(id: $id) { access { rights } } }`, map[string]any{"id": id}).MustOK(t).Decode(t, &rights)
	if got := rights.Case.Access.Rights; len(got) != 1 || got[0] != "READ" {
		t.Fatalf("the guest's rights after the move: %v", got)
	}
}
