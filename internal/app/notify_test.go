package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/smtptest"
	"github.com/casegate/casegate/internal/users"
)

const moveQ = `mutation($id: ID!, $to: String!, $a: [ID!], $sys: Boolean) { moveCase(id: $id, toStage: $to, assigneeIds: $a, toSystemUser: $sys) { stage } }`

// readyToMove creates a salary change as the creator, titled and filled in for its move to APPROVAL.
func (c *company) readyToMove(t *testing.T, title string) string {
	t.Helper()
	var out struct{ CreateSalaryChange struct{ ID string } }
	c.creator.Do(`mutation($in: SalaryChangeInput!, $title: String) { createSalaryChange(input: $in, title: $title) { id } }`,
		map[string]any{"title": title, "in": map[string]any{"employee": map[string]any{"employeeName": "Jan", "justification": "Awans"}}}).
		MustOK(t).Decode(t, &out)
	return out.CreateSalaryChange.ID
}

// mailsTo delivers what is due and returns the mails that reached address so far.
func mailsTo(t *testing.T, s *gqltest.Server, address string) []smtptest.Message {
	t.Helper()
	deliverAll(t, s)
	var out []smtptest.Message
	for _, m := range s.SMTP.Messages() {
		if len(m.To) == 1 && m.To[0] == address {
			out = append(out, m)
		}
	}
	return out
}

// taskMails counts the outbox messages written for user (those concerning them).
func taskMails(s *gqltest.Server, userID string) int {
	return s.Count(`SELECT count(*) FROM outbox WHERE concerning_user_id = ?`, userID)
}

func TestCaseMoveMailsTheNewAssignees(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.readyToMove(t, "Podwyżka dla Jana")
	c.creator.Do(moveQ, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor", "kadry")}).MustOK(t)
	for _, who := range []string{"dyrektor", "kadry"} {
		got := mailsTo(t, s, who+"@casegate.test")
		if len(got) != 1 {
			t.Fatalf("%s received %d mails, want 1", who, len(got))
		}
		m := got[0]
		for _, want := range []string{"Podwyżka dla Jana", "Wniosek o zmianę wynagrodzenia", "https://casegate.test/cases/" + id, "Hello " + who} {
			if !strings.Contains(m.Subject+"\n"+m.Body, want) {
				t.Fatalf("%s's mail lacks %q:\n%s\n%s", who, want, m.Subject, m.Body)
			}
		}
	}
	// The mover is not told about its own move, even when it moves the case to itself.
	if n := taskMails(s, c.users["creator"]); n != 0 {
		t.Fatalf("the mover got %d mails", n)
	}
	c.dyrektor.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {compensation: {requestedSalary: "9000"}}) { id } }`, map[string]any{"id": id}).MustOK(t)
	c.dyrektor.Do(moveQ, map[string]any{"id": id, "to": "HR"}).MustOK(t) // to the mover
	if n := taskMails(s, c.users["dyrektor"]); n != 1 {
		t.Fatalf("dyrektor has %d mails after moving the case to itself, want only the first", n)
	}
	// To the system user: nobody is told.
	other := c.readyToMove(t, "Druga")
	before := s.Count(`SELECT count(*) FROM outbox`)
	c.creator.Do(moveQ, map[string]any{"id": other, "to": "APPROVAL", "sys": true}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM outbox`); n != before {
		t.Fatalf("moving to the system user wrote %d mails", n-before)
	}
	// A failed move writes nothing.
	third := c.readyToMove(t, "Trzecia")
	c.creator.Do(moveQ, map[string]any{"id": third, "to": "APPROVAL", "a": []string{c.users["kadry"], "00000000-0000-0000-0000-00000000abcd"}}).
		MustFail(t, "BAD_USER_INPUT")
	if n := s.Count(`SELECT count(*) FROM outbox`); n != before {
		t.Fatal("a failed move left mails in the outbox")
	}
}

func TestTaskNotificationsSettingOff(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	var set struct {
		Settings struct{ TaskNotifications bool }
	}
	c.admin.Do(`{ settings { taskNotifications } }`, nil).MustOK(t).Decode(t, &set)
	if !set.Settings.TaskNotifications {
		t.Fatal("task notifications are off by default")
	}
	c.admin.Do(`mutation { updateSettings(input: {taskNotifications: false}) { taskNotifications } }`, nil).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'settings.update' AND 'taskNotifications' = ANY(changed_fields)`); n != 1 {
		t.Fatal("the setting's change is not audited")
	}
	id := c.readyToMove(t, "Cicho")
	c.creator.Do(moveQ, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor")}).MustOK(t)
	doc := createDocument(t, c.creator, map[string]any{"title": "Umowa"})
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`,
		map[string]any{"id": doc, "u": c.users["kadry"]}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM outbox`); n != 0 {
		t.Fatalf("%d mails with the setting off", n)
	}
	// Back on, they are sent again.
	c.admin.Do(`mutation { updateSettings(input: {taskNotifications: true}) { taskNotifications } }`, nil).MustOK(t)
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`,
		map[string]any{"id": doc, "u": c.users["zarzad"]}).MustOK(t)
	if got := mailsTo(t, s, "zarzad@casegate.test"); len(got) != 1 {
		t.Fatalf("zarzad received %d mails with the setting back on", len(got))
	}
}

func TestTaskNotificationsPreference(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	var me struct {
		Me struct {
			Preferences *struct{ TaskNotifications bool }
		}
	}
	c.dyrektor.Do(`{ me { preferences { taskNotifications } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Preferences == nil || !me.Me.Preferences.TaskNotifications {
		t.Fatalf("default preferences = %+v", me.Me.Preferences)
	}
	var upd struct {
		UpdateMyPreferences struct{ TaskNotifications bool }
	}
	c.dyrektor.Do(`mutation { updateMyPreferences(input: {taskNotifications: false}) { taskNotifications } }`, nil).MustOK(t).Decode(t, &upd)
	if upd.UpdateMyPreferences.TaskNotifications {
		t.Fatal("the preference did not change")
	}
	c.dyrektor.Do(`{ me { preferences { taskNotifications } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Preferences.TaskNotifications {
		t.Fatal("viewer still shows task notifications on")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.preferences' AND entity = 'user' AND entity_id = ?
		AND user_id = ? AND changed_fields = '{taskNotifications}'`, c.users["dyrektor"], c.users["dyrektor"]); n != 1 {
		t.Fatal("the preference change is not audited")
	}
	// An empty input changes nothing and is not audited; anonymous callers are refused.
	c.dyrektor.Do(`mutation { updateMyPreferences(input: {}) { taskNotifications } }`, nil).MustFail(t, "BAD_USER_INPUT")
	s.Anonymous().Do(`mutation { updateMyPreferences(input: {taskNotifications: false}) { taskNotifications } }`, nil).MustFail(t, "UNAUTHENTICATED")
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.preferences'`); n != 1 {
		t.Fatalf("%d preference records, want 1", n)
	}

	id := c.readyToMove(t, "Bez powiadomień")
	c.creator.Do(moveQ, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor", "kadry")}).MustOK(t)
	if n := taskMails(s, c.users["dyrektor"]); n != 0 {
		t.Fatal("a user who opted out was mailed")
	}
	if got := mailsTo(t, s, "kadry@casegate.test"); len(got) != 1 {
		t.Fatalf("kadry received %d mails, want 1", len(got))
	}
	doc := createDocument(t, c.creator, map[string]any{"title": "Umowa"})
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`,
		map[string]any{"id": doc, "u": c.users["dyrektor"]}).MustOK(t)
	if n := taskMails(s, c.users["dyrektor"]); n != 0 {
		t.Fatal("a user who opted out was mailed about a document task")
	}
}

func TestDocumentTaskMailsTheAssignee(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	doc := createDocument(t, c.creator, map[string]any{"title": "Umowa najmu"})
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`,
		map[string]any{"id": doc, "u": c.users["kadry"]}).MustOK(t)
	got := mailsTo(t, s, "kadry@casegate.test")
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Umowa najmu") ||
		!strings.Contains(got[0].Body, "https://casegate.test/documents/"+doc) {
		t.Fatalf("kadry's mails = %+v", got)
	}
	// Assigning oneself tells nobody.
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { id } }`,
		map[string]any{"id": doc, "u": c.users["creator"]}).MustOK(t)
	if n := taskMails(s, c.users["creator"]); n != 0 {
		t.Fatal("the assigner was mailed about its own task")
	}
}

// A copy reaches the substitute while a substitution that forwards e-mails is in force.
func TestTaskNotificationCopiedToSubstitute(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	today := s.Clock.Now().UTC()
	ins := `INSERT INTO substitutions (substituted_id, substitute_id, date_from, date_to, forward_emails, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, now(), now())`
	until := today.AddDate(0, 0, 5).Format(time.DateOnly)
	for _, q := range []struct {
		sub     string
		forward bool
	}{{"zarzad", true}, {"villain", false}} {
		if _, err := s.DB.ExecContext(context.Background(), ins, c.users["dyrektor"], c.users[q.sub],
			today.AddDate(0, 0, -2).Format(time.DateOnly), until, q.forward); err != nil {
			t.Fatal(err)
		}
	}
	id := c.readyToMove(t, "Zastępstwo")
	c.creator.Do(moveQ, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor")}).MustOK(t)
	got := mailsTo(t, s, "zarzad@casegate.test")
	if len(got) != 1 {
		t.Fatalf("the substitute received %d mails, want 1", len(got))
	}
	m := got[0]
	if !strings.HasPrefix(m.Subject, "[for dyrektor] ") || !strings.Contains(m.Subject, "Zastępstwo") ||
		!strings.Contains(m.Body, "you substitute dyrektor until "+until) || !strings.Contains(m.Body, "https://casegate.test/cases/"+id) {
		t.Fatalf("the copy = %q\n%s", m.Subject, m.Body)
	}
	if len(mailsTo(t, s, "dyrektor@casegate.test")) != 1 {
		t.Fatal("the substituted user did not get its own mail")
	}
	if len(mailsTo(t, s, "villain@casegate.test")) != 0 {
		t.Fatal("a substitution without forwardEmails got a copy")
	}
}

// A temporary-access person's move back to HR tells the employee who granted the access; the
// person itself has no preferences.
func TestTemporaryMoveMailsTheGranter(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, nil)
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	if n := taskMails(s, w.kadryID); n != 0 {
		t.Fatalf("the grant's own move mailed kadry %d times", n)
	}
	var me struct {
		Me struct {
			Preferences *struct{ TaskNotifications bool }
		}
	}
	person.Do(`{ me { preferences { taskNotifications } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Preferences != nil {
		t.Fatal("a temporary session has preferences")
	}
	person.Do(`mutation { updateMyPreferences(input: {taskNotifications: false}) { taskNotifications } }`, nil).MustFail(t, "FORBIDDEN")

	person.Do(`mutation($id: ID!, $in: CandidateQuestionnaireInput!) { updateCandidateQuestionnaire(id: $id, input: $in) { id } }`,
		map[string]any{"id": w.caseID, "in": map[string]any{"personal": map[string]any{
			"birthDate": "1990-05-17", "address": "ul. Długa 1, Gdańsk", "education": "mgr inż."}}}).MustOK(t)
	person.Do(`mutation($id: ID!) { moveCase(id: $id, toStage: "HR_REVIEW") { stage } }`, map[string]any{"id": w.caseID}).MustOK(t)
	got := mailsTo(t, s, "kadry@casegate.test")
	if len(got) != 1 || !strings.Contains(got[0].Body, "https://casegate.test/cases/"+w.caseID) {
		t.Fatalf("kadry's mails = %+v", got)
	}
}

// While substituting, the preference changed is the native user's, and a move by the substitute
// tells neither the substitute nor the substituted user.
func TestPreferencesAndMovesWhileSubstituting(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	ctx := context.Background()
	// zarzad works as dyrektor (the principal switching is built elsewhere; this is its result).
	p, err := s.App.Resolver.AuthService.PrincipalFor(ctx, c.users["dyrektor"])
	if err != nil {
		t.Fatal(err)
	}
	p.NativeUserID, p.SubstitutionID, p.SessionID = c.users["zarzad"], "00000000-0000-0000-0000-0000000000aa", "session"
	off := false
	if _, err := s.App.Resolver.UserService.UpdateMyPreferences(ctx, p, users.PreferencesInput{TaskNotifications: &off}); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE NOT notify_tasks`); n != 1 ||
		s.Count(`SELECT count(*) FROM users WHERE NOT notify_tasks AND id = ?`, c.users["zarzad"]) != 1 {
		t.Fatal("the substitute's change did not land on its own preferences only")
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE users SET notify_tasks = true`); err != nil {
		t.Fatal(err)
	}

	id := c.readyToMove(t, "Przez zastępcę")
	c.creator.Do(moveQ, map[string]any{"id": id, "to": "APPROVAL", "a": c.ids("dyrektor")}).MustOK(t)
	before := s.Count(`SELECT count(*) FROM outbox`)
	c.dyrektor.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {compensation: {requestedSalary: "9000"}}) { id } }`, map[string]any{"id": id}).MustOK(t)
	p.At = s.Clock.Now()
	if _, err := s.App.Resolver.CaseService.Move(ctx, p, id, cases.MoveInput{ToStage: "HR",
		AssigneeIDs: []string{c.users["dyrektor"], c.users["zarzad"], c.users["kadry"]}}); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(`SELECT count(*) FROM outbox`) - before; n != 1 ||
		s.Count(`SELECT count(*) FROM outbox WHERE recipient = 'kadry@casegate.test'`) != 1 {
		t.Fatalf("%d mails after the substitute's move, want one, to kadry", n)
	}
}
