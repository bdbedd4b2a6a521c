package app_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/outbox"
)

var (
	accessLinkRE = regexp.MustCompile(`https://casegate\.test/access/([A-Za-z0-9_-]{43})`)
	codeRE       = regexp.MustCompile(`\b(\d{6})\b`)
)

const candidateEmail = "kandydat@example.com"

func (w *tempWorld) groupID(t *testing.T, name string) string {
	t.Helper()
	var out struct{ CreateGroup struct{ ID string } }
	w.admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t).Decode(t, &out)
	return out.CreateGroup.ID
}

// tempWorld is HR (kadry) with a candidate questionnaire at its first stage, prepared from a CV,
// and external functions switched on.
type tempWorld struct {
	s       *gqltest.Server
	admin   *gqltest.Client
	kadry   *gqltest.Client
	kadryID string
	caseID  string
	otherID string // another questionnaire of kadry's
}

func newTempWorld(t *testing.T, s *gqltest.Server) *tempWorld {
	t.Helper()
	w := &tempWorld{s: s, admin: s.Admin()}
	w.admin.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: true}) { externalFunctionsEnabled } }`, nil).MustOK(t)
	w.kadryID = createUser(t, w.admin, "kadry@casegate.test", "Anna Kadrowa")
	w.kadry = s.Login("kadry@casegate.test", "user-password-1")
	create := `mutation($in: CandidateQuestionnaireInput!) { createCandidateQuestionnaire(input: $in) { id } }`
	var out struct{ CreateCandidateQuestionnaire struct{ ID string } }
	w.kadry.Do(create, map[string]any{"in": map[string]any{"basic": map[string]any{
		"firstName": "Jan", "lastName": "Kowalski", "email": candidateEmail, "phone": "+48 500 600 700"}}}).MustOK(t).Decode(t, &out)
	w.caseID = out.CreateCandidateQuestionnaire.ID
	w.kadry.Do(create, map[string]any{"in": map[string]any{"basic": map[string]any{"firstName": "Ewa", "lastName": "Nowak"}}}).MustOK(t).Decode(t, &out)
	w.otherID = out.CreateCandidateQuestionnaire.ID
	return w
}

const grantMutation = `mutation($c: ID!, $in: TemporaryAccessInput!) { grantTemporaryAccess(caseId: $c, input: $in) {
	id email loginMethod stages allowedMoves allowedActions state validFrom validUntil grantedBy { name } } }`

type grantOut struct {
	ID             string
	Email          string
	LoginMethod    string
	Stages         []string
	AllowedMoves   []string
	AllowedActions []string
	State          string
	ValidFrom      time.Time
	ValidUntil     time.Time
	GrantedBy      *struct{ Name string }
}

// grant grants access as kadry, in the seed's way: move the case to the candidate and to the system
// user, three days, the candidate may send it on to HR_REVIEW.
func (w *tempWorld) grant(t *testing.T, extra map[string]any) grantOut {
	t.Helper()
	in := map[string]any{"email": candidateEmail, "firstName": "Jan", "lastName": "Kowalski", "loginMethod": "EMAIL_CODE",
		"moveToStage": "CANDIDATE_DATA", "allowedMoves": []string{"HR_REVIEW"}, "mailSubject": "Kwestionariusz osobowy",
		"mailBody": "Dzień dobry {{firstName}}, prosimy o wypełnienie kwestionariusza: {{link}}"}
	for k, v := range extra {
		in[k] = v
	}
	var out struct{ GrantTemporaryAccess grantOut }
	w.kadry.Do(grantMutation, map[string]any{"c": w.caseID, "in": in}).MustOK(t).Decode(t, &out)
	return out.GrantTemporaryAccess
}

// deliverAll runs the outbox job once, as the scheduler would.
func deliverAll(t *testing.T, s *gqltest.Server) {
	t.Helper()
	catchUpWithDatabase(t, s)
	if _, err := s.App.Deliverer.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// inviteLink delivers the invitation and takes the link out of it.
func inviteLink(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	mails := deliver(t, s, len(s.SMTP.Messages())+1)
	last := mails[len(mails)-1]
	m := accessLinkRE.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("no access link in %q", last)
	}
	return m[0]
}

func requestCode(c *gqltest.Client, link string) *gqltest.Response {
	return c.Do(`mutation($l: String!) { requestAccessCode(link: $l) }`, map[string]any{"l": link})
}

func verifyCode(c *gqltest.Client, link, code string) *gqltest.Response {
	return c.Do(`mutation($l: String!, $c: String!) { verifyAccessCode(link: $l, code: $c) {
		token expiresAt viewer { kind user { id } grant { id email stages state } } } }`, map[string]any{"l": link, "c": code})
}

// mailedCode asks for a code and takes it out of the e-mail.
func mailedCode(t *testing.T, s *gqltest.Server, link string) string {
	t.Helper()
	requestCode(s.Anonymous(), link).MustOK(t)
	return deliveredCode(t, s)
}

// deliveredCode delivers the code someone asked for to the candidate and takes it out of the e-mail.
func deliveredCode(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	mails := deliver(t, s, len(s.SMTP.Messages())+1)
	last := mails[len(mails)-1]
	if !strings.HasPrefix(last, candidateEmail+"\n") {
		t.Fatalf("code went to %q", last)
	}
	m := codeRE.FindStringSubmatch(last[strings.Index(last, "\n"):])
	if m == nil {
		t.Fatalf("no code in %q", last)
	}
	return m[1]
}

type sessionOut struct {
	Token     string
	ExpiresAt time.Time
	Viewer    struct {
		Kind  string
		User  *struct{ ID string }
		Grant struct {
			ID, Email, State string
			Stages           []string
		}
	}
}

func signIn(t *testing.T, s *gqltest.Server, link, code string) sessionOut {
	t.Helper()
	var out struct{ VerifyAccessCode sessionOut }
	verifyCode(s.Anonymous(), link, code).MustOK(t).Decode(t, &out)
	return out.VerifyAccessCode
}

const questionnaire = `query($id: ID!) { candidateQuestionnaire(id: $id) {
	case { stage access { rights grantedBy } }
	basic { firstName lastName email } personal { birthDate address education } hr { notes decision } } }`

// TestTemporaryAccessEmailCode is the seed's flow end to end: HR prepares the questionnaire and
// hands it to the candidate, who has only an e-mail address, logs in with a mailed code, fills in
// what is open to external users and sends it back.
func TestTemporaryAccessEmailCode(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, map[string]any{"allowedActions": []string{"COMMENTS", "HISTORY"}})
	if g.State != "ACTIVE" || !slices.Equal(g.Stages, []string{"CANDIDATE_DATA"}) || g.LoginMethod != "EMAIL_CODE" ||
		g.GrantedBy == nil || g.GrantedBy.Name != "Anna Kadrowa" {
		t.Fatalf("grant = %+v", g)
	}
	if d := g.ValidUntil.Sub(g.ValidFrom); d != 72*time.Hour {
		t.Fatalf("default window = %s, want 3 days", d)
	}
	// The case moved to the candidate's stage, to the system user: off every to-do list, still in cases.
	var c struct {
		Case struct {
			Stage     string
			Assignees []struct{ Name string }
		}
	}
	w.kadry.Do(`query($id: ID!) { case(id: $id) { stage assignees { name } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &c)
	if c.Case.Stage != "CANDIDATE_DATA" || len(c.Case.Assignees) != 1 || c.Case.Assignees[0].Name != "SYSTEM USER" {
		t.Fatalf("case after the grant = %+v", c.Case)
	}
	if ids := caseIDs(t, w.kadry, `myTasks`); slices.Contains(ids, w.caseID) {
		t.Fatal("the case is still on kadry's to-do list")
	}
	if ids := caseIDs(t, w.kadry, `cases`); !slices.Contains(ids, w.caseID) {
		t.Fatal("the case left kadry's list of all cases")
	}
	// No account was created for the person.
	if n := s.Count(`SELECT count(*) FROM users WHERE lower(email) = ?`, candidateEmail); n != 0 {
		t.Fatal("an account was created for the candidate")
	}

	link := inviteLink(t, s)
	token := link[strings.LastIndex(link, "/")+1:]
	if n := s.Count(`SELECT count(*) FROM outbox WHERE body LIKE ?`, "%"+token+"%"); n != 0 {
		t.Fatal("the link stays in the outbox after sending")
	}
	if n := s.Count(`SELECT count(*) FROM temporary_access_grants WHERE link_hash = sha256(convert_to(?, 'UTF8'))`, token); n != 1 {
		t.Fatal("the grant does not hold the link's hash")
	}

	// An unknown link gets the same answer and no mail.
	sent := len(s.SMTP.Messages())
	requestCode(s.Anonymous(), "https://casegate.test/access/"+strings.Repeat("x", 43)).MustOK(t)
	code := mailedCode(t, s, link)
	if got := len(s.SMTP.Messages()); got != sent+1 {
		t.Fatalf("%d mails for one real and one unknown link", got-sent)
	}
	verifyCode(s.Anonymous(), link, wrong(code)).MustFail(t, "UNAUTHENTICATED")
	sess := signIn(t, s, link, code)
	if sess.Viewer.Kind != "TEMPORARY" || sess.Viewer.User != nil || sess.Viewer.Grant.ID != g.ID || sess.Viewer.Grant.Email != candidateEmail {
		t.Fatalf("viewer = %+v", sess.Viewer)
	}
	if sess.ExpiresAt.After(g.ValidUntil) {
		t.Fatalf("session ends %s, after the grant %s", sess.ExpiresAt, g.ValidUntil)
	}
	verifyCode(s.Anonymous(), link, code).MustFail(t, "UNAUTHENTICATED") // single use
	person := s.WithToken(sess.Token)

	// The form with the external modes: basic read-only, personal to fill in, hr hidden.
	r := person.Do(questionnaire, map[string]any{"id": w.caseID}).MustOK(t)
	var form struct {
		CandidateQuestionnaire struct {
			Case struct {
				Stage  string
				Access struct{ Rights, GrantedBy []string }
			}
			Basic    struct{ FirstName, LastName, Email *string }
			Personal map[string]any
			Hr       map[string]any
		}
	}
	r.Decode(t, &form)
	q := form.CandidateQuestionnaire
	if q.Basic.FirstName == nil || *q.Basic.FirstName != "Jan" || q.Hr != nil ||
		!slices.Equal(q.Case.Access.GrantedBy, []string{"TEMPORARY_GRANT"}) || !slices.Contains(q.Case.Access.Rights, "WRITE") {
		t.Fatalf("the person's view = %+v", q)
	}
	if !slices.Contains(hiddenFields(r), "candidateQuestionnaire.hr") {
		t.Fatalf("hiddenFields = %v", hiddenFields(r))
	}
	m := modes(t, person.Do(`query($id: ID!) { case(id: $id) { access { fields { field mode } } } }`, map[string]any{"id": w.caseID}).MustOK(t), "case", "access")
	if m["basic.firstName"] != "READ_ONLY" || m["personal.address"] != "REQUIRED" || m["personal.education"] != "MODIFY" || m["hr.notes"] != "HIDDEN" {
		t.Fatalf("modes = %v", m)
	}

	// Exactly that case: any other is NOT_FOUND, lists hold only it, the directory is closed.
	person.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": w.otherID}).MustFail(t, "NOT_FOUND")
	if ids := caseIDs(t, person, `cases`); !slices.Equal(ids, []string{w.caseID}) {
		t.Fatalf("the person's cases = %v", ids)
	}
	if ids := caseIDs(t, person, `myTasks`); len(ids) != 0 {
		t.Fatalf("the person's tasks = %v", ids)
	}
	person.Do(`{ users { edges { node { id } } } }`, nil).MustFail(t, "FORBIDDEN")
	person.Do(`query($c: ID!) { temporaryAccessGrants(caseId: $c) { edges { node { id } } } }`, map[string]any{"c": w.caseID}).MustFail(t, "FORBIDDEN")
	var people struct {
		Case struct {
			Creator   *struct{ ID string }
			Assignees []struct{ ID string }
			Tasks     []struct{ ID string }
		}
	}
	person.Do(`query($id: ID!) { case(id: $id) { creator { id } assignees { id } tasks { id } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &people)
	if people.Case.Creator != nil || len(people.Case.Assignees) != 0 || len(people.Case.Tasks) != 0 {
		t.Fatalf("the person sees the organisation's people: %+v", people.Case)
	}
	// Nor through the procedure's settings: the person sees no lists and no grants (more in
	// TestTemporaryProcedureView).
	w.admin.Do(`mutation($g: ID!) { setSectionAccess(procedure: "candidate-questionnaire", section: "basic", input: {modifyOnlyFor: [{groupId: $g}]}) { key } }`,
		map[string]any{"g": w.groupID(t, "Kadry")}).MustOK(t)
	var proc struct {
		Case struct {
			Procedure struct {
				Grants   []struct{ User, Group *struct{ ID string } }
				Sections []struct {
					Access struct {
						ModifyOnlyFor []struct{ User, Group *struct{ ID string } }
					}
				}
			}
		}
	}
	person.Do(`query($id: ID!) { case(id: $id) { procedure { grants { user { id } group { id } }
		sections { access { modifyOnlyFor { user { id } group { id } } } } } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &proc)
	named := 0
	for _, sec := range proc.Case.Procedure.Sections {
		for _, ref := range sec.Access.ModifyOnlyFor {
			named++
			if ref.User != nil || ref.Group != nil {
				t.Fatalf("the person sees who a list names: %+v", ref)
			}
		}
	}
	if named != 0 || len(proc.Case.Procedure.Grants) != 0 {
		t.Fatalf("the person sees the organisation's lists (%d entries) or grants: %+v", named, proc.Case.Procedure)
	}

	// WRITE on the case is for the form: the person cannot share the case with anyone.
	person.Do(`mutation($c: ID!, $u: ID!) { addCaseParticipant(caseId: $c, userId: $u) { id } }`,
		map[string]any{"c": w.caseID, "u": w.kadryID}).MustFail(t, "FORBIDDEN")

	// Writes: only what is MODIFY or REQUIRED for external users, all or nothing.
	update := `mutation($id: ID!, $in: CandidateQuestionnaireInput!) { updateCandidateQuestionnaire(id: $id, input: $in) { personal { address } } }`
	e := person.Do(update, map[string]any{"id": w.caseID, "in": map[string]any{
		"basic": map[string]any{"firstName": "Janusz"}, "hr": map[string]any{"decision": "hire"}, "personal": map[string]any{"education": "x"}}}).
		MustFail(t, "FIELD_NOT_WRITABLE")
	if f := e.Extensions["fields"]; !sameStrings(f, "basic.firstName", "hr.decision") {
		t.Fatalf("fields = %v", f)
	}
	// Moving on before the required fields are in: REQUIRED_FIELDS_MISSING.
	move := `mutation($id: ID!, $to: String!) { moveCase(id: $id, toStage: $to) { stage } }`
	person.Do(move, map[string]any{"id": w.caseID, "to": "HR_REVIEW"}).MustFail(t, "REQUIRED_FIELDS_MISSING")
	person.Do(update, map[string]any{"id": w.caseID, "in": map[string]any{"personal": map[string]any{
		"birthDate": "1990-05-17", "address": "ul. Długa 1, Gdańsk", "education": "mgr inż."}}}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'case.update' AND kind = 'TEMPORARY' AND grant_id = ? AND actor_email = ? AND user_id IS NULL`,
		g.ID, candidateEmail); n != 1 {
		t.Fatal("the person's write is not audited under the grant with its e-mail")
	}
	// Comments (opened by the grant) are external both ways.
	var cm struct {
		AddComment struct {
			VisibleToExternal bool
			Byline            string
		}
	}
	person.Do(`mutation($c: ID!) { addComment(caseId: $c, text: "Załączam dane.") { visibleToExternal byline } }`, map[string]any{"c": w.caseID}).MustOK(t).Decode(t, &cm)
	if !cm.AddComment.VisibleToExternal || !strings.Contains(cm.AddComment.Byline, "Jan Kowalski") {
		t.Fatalf("comment = %+v", cm.AddComment)
	}
	w.kadry.Do(`mutation($c: ID!) { addComment(caseId: $c, text: "internal note") { id } }`, map[string]any{"c": w.caseID}).MustOK(t)
	w.kadry.Do(`mutation($c: ID!) { addComment(caseId: $c, text: "Dziękujemy!", visibleToExternal: true) { id } }`, map[string]any{"c": w.caseID}).MustOK(t)
	var comments struct {
		Case struct {
			Comments struct {
				Edges []struct{ Node struct{ Text string } }
			}
			History struct {
				Edges []struct {
					Node struct {
						Action, Actor string
						ChangedFields []string
					}
				}
			}
		}
	}
	person.Do(`query($id: ID!) { case(id: $id) { comments { edges { node { text } } } history { edges { node { action actor changedFields } } } } }`,
		map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &comments)
	if n := len(comments.Case.Comments.Edges); n != 2 {
		t.Fatalf("the person reads %d comments, want its own and the one made visible to it", n)
	}
	var authors struct {
		Case struct {
			Comments struct {
				Edges []struct {
					Node struct {
						Text, Byline string
						Author       *struct{ ID string }
					}
				}
			}
		}
	}
	person.Do(`query($id: ID!) { case(id: $id) { comments { edges { node { text byline author { id } } } } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &authors)
	for _, e := range authors.Case.Comments.Edges {
		// Comments written at the same (test clock) time come in id order: look them up by text.
		if e.Node.Author != nil || (e.Node.Text == "Dziękujemy!") != (e.Node.Byline == "Anna Kadrowa") {
			t.Fatalf("a comment as the person sees it: %+v", e.Node)
		}
	}
	hist := comments.Case.History.Edges
	if len(hist) < 3 || hist[0].Node.Action != "case.update" || hist[0].Node.Actor != candidateEmail {
		t.Fatalf("history = %+v", hist)
	}
	for _, h := range hist {
		for _, f := range h.Node.ChangedFields {
			if strings.HasPrefix(f, "hr.") {
				t.Fatalf("history shows a hidden field: %v", h.Node)
			}
		}
	}
	// A second outsider on the same case (granted by the administrator: kadry handed the case to
	// the system user) sees the first one's writes in the history, but not its e-mail address.
	var g2 struct{ GrantTemporaryAccess struct{ ID string } }
	w.admin.Do(grantMutation, map[string]any{"c": w.caseID, "in": map[string]any{"email": "druga@example.com",
		"loginMethod": "EMAIL_CODE", "allowedActions": []string{"HISTORY"}}}).MustOK(t).Decode(t, &g2)
	link2 := inviteLink(t, s)
	requestCode(s.Anonymous(), link2).MustOK(t)
	mails := deliver(t, s, len(s.SMTP.Messages())+1)
	code2 := codeRE.FindStringSubmatch(mails[len(mails)-1][strings.Index(mails[len(mails)-1], "\n"):])[1]
	other := s.WithToken(signIn(t, s, link2, code2).Token)
	var otherHist struct {
		Case struct {
			History struct {
				Edges []struct {
					Node struct{ Action, Actor string }
				}
			}
		}
	}
	other.Do(`query($id: ID!) { case(id: $id) { history { edges { node { action actor } } } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &otherHist)
	if h := otherHist.Case.History.Edges; len(h) == 0 || h[0].Node.Action != "case.update" || h[0].Node.Actor != "external person" {
		t.Fatalf("history as another outsider sees it: %+v", h)
	}

	// Only the grant's moves; then the case goes back to HR and the person is shut out.
	person.Do(move, map[string]any{"id": w.caseID, "to": "DONE"}).MustFail(t, "FORBIDDEN")
	person.Do(move, map[string]any{"id": w.caseID, "to": "HR_REVIEW"}).MustOK(t)
	person.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": w.caseID}).MustFail(t, "NOT_FOUND")
	if ids := caseIDs(t, person, `cases`); len(ids) != 0 {
		t.Fatalf("after the stage change the person still lists %v", ids)
	}
	if ids := caseIDs(t, w.kadry, `myTasks`); !slices.Contains(ids, w.caseID) {
		t.Fatal("the case did not come back to the employee who granted the access")
	}
	var back struct {
		CandidateQuestionnaire struct{ Personal struct{ Address *string } }
	}
	w.kadry.Do(questionnaire, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &back)
	if a := back.CandidateQuestionnaire.Personal.Address; a == nil || *a != "ul. Długa 1, Gdańsk" {
		t.Fatalf("HR reads address %v", a)
	}
	// HR lists the grant with its state.
	var list struct {
		TemporaryAccessGrants struct {
			Edges []struct{ Node struct{ ID, State string } }
		}
	}
	w.kadry.Do(`query($c: ID!) { temporaryAccessGrants(caseId: $c) { edges { node { id state } } } }`, map[string]any{"c": w.caseID}).MustOK(t).Decode(t, &list)
	if e := list.TemporaryAccessGrants.Edges; len(e) != 2 || e[1].Node.ID != g.ID || e[1].Node.State != "ACTIVE" || e[0].Node.ID != g2.GrantTemporaryAccess.ID {
		t.Fatalf("grants = %+v", e)
	}
}

func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func sameStrings(v any, want ...string) bool {
	list, _ := v.([]any)
	var got []string
	for _, x := range list {
		s, _ := x.(string)
		got = append(got, s)
	}
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

func caseIDs(t *testing.T, c *gqltest.Client, field string) []string {
	t.Helper()
	var out map[string]struct {
		Edges []struct{ Node struct{ ID string } }
	}
	c.Do(`{ `+field+` { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &out)
	ids := []string{}
	for _, e := range out[field].Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}

// TestTemporaryAccessSMSCode: the code goes by SMS through the provider's HTTP API; a provider that
// is down delays it and loses nothing, and a retry after success does not send it twice.
func TestTemporaryAccessSMSCode(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, map[string]any{"loginMethod": "SMS_CODE", "phone": "+48 500 600 700"})
	// The mail server is down for two hours: the invitation waits, outliving the clean-up job's
	// default life of secret messages, because it lives as long as the grant.
	s.SMTP.SetFailing(true)
	deliverAll(t, s)
	s.Clock.Advance(2 * time.Hour)
	if _, err := outbox.ExpireSecrets(context.Background(), s.DB, s.Clock.Now(), auth.ResetTTL); err != nil {
		t.Fatal(err)
	}
	s.SMTP.SetFailing(false)
	link := inviteLink(t, s) // the link itself always goes by e-mail
	s.SMS.Fail(1)
	requestCode(s.Anonymous(), link).MustOK(t)
	deliverAll(t, s)
	if n := len(s.SMS.Messages()); n != 0 {
		t.Fatalf("%d SMS while the provider is down", n)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE channel = 'sms' AND sent_at IS NULL AND failed_at IS NULL AND attempts = 1`); n != 1 {
		t.Fatal("the failed SMS is not waiting for a retry")
	}
	s.Clock.Advance(15 * time.Second) // past the first backoff
	deliverAll(t, s)
	msgs := s.SMS.WaitFor(t, 1, 5*time.Second)
	if msgs[0].To != "48500600700" || msgs[0].Idx == "" {
		t.Fatalf("SMS = %+v", msgs[0])
	}
	code := codeRE.FindStringSubmatch(msgs[0].Text)
	if code == nil {
		t.Fatalf("no code in %q", msgs[0].Text)
	}
	deliverAll(t, s) // nothing is due any more: the code is not sent twice
	if n := len(s.SMS.Messages()); n != 1 {
		t.Fatalf("%d SMS for one code", n)
	}
	if n := s.Count(`SELECT count(*) FROM outbox WHERE channel = 'sms' AND body LIKE ?`, "%"+code[1]+"%"); n != 0 {
		t.Fatal("the code stays in the outbox after sending")
	}
	sess := signIn(t, s, link, code[1])
	if sess.Viewer.Kind != "TEMPORARY" {
		t.Fatalf("viewer = %+v", sess.Viewer)
	}
	s.WithToken(sess.Token).Do(questionnaire, map[string]any{"id": w.caseID}).MustOK(t)
}

// TestTemporaryAccessPreconditions: each missing precondition is named; a user's address is a
// CONFLICT; READ is not enough; nothing is written by a refused grant.
func TestTemporaryAccessPreconditions(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	writes := func() int {
		return s.Count(`SELECT count(*) FROM temporary_access_grants`) + s.Count(`SELECT count(*) FROM outbox`) +
			s.Count(`SELECT count(*) FROM audit_log WHERE action LIKE 'temporary_access.%'`)
	}
	stage := func() string {
		var out struct{ Case struct{ Stage string } }
		w.kadry.Do(`query($id: ID!) { case(id: $id) { stage } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &out)
		return out.Case.Stage
	}
	try := func(c *gqltest.Client, in map[string]any) *gqltest.Response {
		base := map[string]any{"email": candidateEmail, "loginMethod": "EMAIL_CODE", "moveToStage": "CANDIDATE_DATA"}
		for k, v := range in {
			base[k] = v
		}
		return c.Do(grantMutation, map[string]any{"c": w.caseID, "in": base})
	}
	missing := func(r *gqltest.Response, want ...string) {
		t.Helper()
		e := r.MustFail(t, "PRECONDITION_FAILED")
		if !sameStrings(e.Extensions["missing"], want...) {
			t.Fatalf("missing = %v, want %v", e.Extensions["missing"], want)
		}
	}
	before := writes()
	missing(try(w.kadry, map[string]any{"loginMethod": "SMS_CODE"}), "phone")
	w.admin.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: false}) { externalFunctionsEnabled } }`, nil).MustOK(t)
	missing(try(w.kadry, nil), "externalFunctionsEnabled")
	w.admin.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: true}) { externalFunctionsEnabled } }`, nil).MustOK(t)
	try(w.kadry, map[string]any{"email": "KADRY@casegate.test"}).MustFail(t, "CONFLICT")
	try(w.kadry, map[string]any{"mailBody": "no link here"}).MustFail(t, "BAD_USER_INPUT")
	try(w.kadry, map[string]any{"stages": []string{"NOPE"}}).MustFail(t, "BAD_USER_INPUT")
	try(w.kadry, map[string]any{"validForDays": 2, "validUntil": "2030-01-01T00:00:00Z"}).MustFail(t, "BAD_USER_INPUT")
	try(w.kadry, map[string]any{"validUntil": "2001-01-01T00:00:00Z"}).MustFail(t, "BAD_USER_INPUT")
	if e := try(w.kadry, map[string]any{"moveToStage": "DONE", "assignToSystemUser": true}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "assignToSystemUser" {
		t.Fatalf("the last stage with the system user blames %v", e.Extensions["field"])
	}
	// Someone who can only read the case may not hand it out; someone who cannot read it finds nothing.
	readerID := createUser(t, w.admin, "reader@casegate.test", "Reader")
	w.kadry.Do(`mutation($c: ID!, $u: ID!) { addCaseParticipant(caseId: $c, userId: $u, role: AUDITOR) { id } }`,
		map[string]any{"c": w.caseID, "u": readerID}).MustOK(t)
	try(s.Login("reader@casegate.test", "user-password-1"), nil).MustFail(t, "FORBIDDEN")
	createUser(t, w.admin, "stranger@casegate.test", "Stranger")
	try(s.Login("stranger@casegate.test", "user-password-1"), nil).MustFail(t, "NOT_FOUND")
	// REQUIRED fields at the current stage block the move, and with it the grant.
	w.kadry.Do(`mutation($id: ID!) { updateCandidateQuestionnaire(id: $id, input: {basic: {firstName: ""}}) { id } }`, map[string]any{"id": w.caseID}).MustOK(t)
	try(w.kadry, nil).MustFail(t, "REQUIRED_FIELDS_MISSING")
	audited := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'case.update'`)
	if got := writes(); got != before || stage() != "PREPARATION" {
		t.Fatalf("a refused grant wrote something: %d → %d, stage %s (updates audited %d)", before, got, stage(), audited)
	}

	// Without mail or SMS configured.
	bare := gqltest.Start(t, func(c *config.Config) { c.SMTPAddr, c.SMSURL = "", "" })
	wb := newTempWorld(t, bare)
	r := wb.kadry.Do(grantMutation, map[string]any{"c": wb.caseID, "in": map[string]any{"email": candidateEmail, "loginMethod": "SMS_CODE"}})
	e := r.MustFail(t, "PRECONDITION_FAILED")
	if !sameStrings(e.Extensions["missing"], "outgoingMail", "sms", "phone") {
		t.Fatalf("missing = %v", e.Extensions["missing"])
	}
}

// TestAccessCodes: wrong, expired, reused and guessed codes, the limits, and unknown links that get
// the same answers as real ones.
func TestAccessCodes(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, nil)
	link := inviteLink(t, s)
	anon := s.Anonymous()
	unknown := "https://casegate.test/access/" + strings.Repeat("A", 43)

	// Five wrong guesses kill the code: then even the right code is refused.
	code := mailedCode(t, s, link)
	requestCode(anon, unknown).MustOK(t)
	for range 5 {
		verifyCode(anon, link, wrong(code)).MustFail(t, "UNAUTHENTICATED")
		verifyCode(anon, unknown, "123456").MustFail(t, "UNAUTHENTICATED")
	}
	verifyCode(anon, link, code).MustFail(t, "RATE_LIMITED")
	verifyCode(anon, unknown, "123456").MustFail(t, "RATE_LIMITED") // the same answer
	// A fresh code works; the old one does not.
	code2 := mailedCode(t, s, link)
	verifyCode(anon, link, code).MustFail(t, "UNAUTHENTICATED")
	// Expired after 10 minutes.
	s.Clock.Advance(10*time.Minute + time.Second)
	verifyCode(anon, link, code2).MustFail(t, "UNAUTHENTICATED")
	// Five codes per hour per link (this is the third and fourth), then RATE_LIMITED — for unknown links too.
	code3 := mailedCode(t, s, link)
	requestCode(anon, link).MustOK(t)
	requestCode(anon, link).MustOK(t)
	requestCode(anon, link).MustFail(t, "RATE_LIMITED")
	for range 4 {
		requestCode(anon, unknown).MustOK(t)
	}
	requestCode(anon, unknown).MustFail(t, "RATE_LIMITED")
	// The latest code is the only one: code3 was superseded by the two asked for after it.
	verifyCode(anon, link, code3).MustFail(t, "UNAUTHENTICATED")
	// An hour later codes can be asked for again.
	s.Clock.Advance(time.Hour)
	code4 := mailedCode(t, s, link)
	signIn(t, s, link, code4)
	// Codes are stored only as hashes bound to the link.
	if n := s.Count(`SELECT count(*) FROM access_codes WHERE code_hash = sha256(convert_to(?, 'UTF8'))`, code4); n != 0 {
		t.Fatal("a code is stored as its bare hash")
	}
	anon.Do(`mutation { requestAccessCode(link: "") }`, nil).MustFail(t, "BAD_USER_INPUT")

	// Guesses at a link nobody asked a code for die after five too, like a real code's.
	never := "https://casegate.test/access/" + strings.Repeat("B", 43)
	for range 5 {
		verifyCode(anon, never, "123456").MustFail(t, "UNAUTHENTICATED")
	}
	verifyCode(anon, never, "123456").MustFail(t, "RATE_LIMITED")
}

// The employee who granted the access revokes it, though handing the case to the system user took
// its WRITE away; another reader of the case cannot.
func TestGranterRevokes(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, nil) // the seed's flow: the case goes to the system user
	var rights struct {
		Case struct{ Access struct{ Rights []string } }
	}
	w.kadry.Do(`query($id: ID!) { case(id: $id) { access { rights } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &rights)
	if slices.Contains(rights.Case.Access.Rights, "WRITE") {
		t.Fatalf("kadry still writes the case: %v", rights.Case.Access.Rights)
	}
	readerID := createUser(t, w.admin, "reader@casegate.test", "Reader")
	w.admin.Do(`mutation($c: ID!, $u: ID!) { addCaseParticipant(caseId: $c, userId: $u, role: AUDITOR) { id } }`,
		map[string]any{"c": w.caseID, "u": readerID}).MustOK(t)
	revoke := `mutation($id: ID!) { revokeTemporaryAccess(id: $id) { state } }`
	s.Login("reader@casegate.test", "user-password-1").Do(revoke, map[string]any{"id": g.ID}).MustFail(t, "FORBIDDEN")
	var out struct{ RevokeTemporaryAccess struct{ State string } }
	w.kadry.Do(revoke, map[string]any{"id": g.ID}).MustOK(t).Decode(t, &out)
	if out.RevokeTemporaryAccess.State != "REVOKED" {
		t.Fatalf("state = %s", out.RevokeTemporaryAccess.State)
	}
}

// TestTemporaryAccessEnds: the window closing while a session is open, the expiry job, and
// revocation.
func TestTemporaryAccessEnds(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	// assignToSystemUser false: the case moves on with kadry as its assignee, who may grant again.
	g := w.grant(t, map[string]any{"validForDays": 1, "assignToSystemUser": false})
	link := inviteLink(t, s)
	sess := signIn(t, s, link, mailedCode(t, s, link))
	if !sess.ExpiresAt.Equal(g.ValidUntil) && sess.ExpiresAt.After(g.ValidUntil) {
		t.Fatalf("session ends %s, after the grant %s", sess.ExpiresAt, g.ValidUntil)
	}
	// The grant's window is checked on every request by itself, not only through the session's
	// expiry: give the session a longer life than the grant to see the window alone shut it.
	if _, err := s.DB.ExecContext(context.Background(), `UPDATE sessions SET expires_at = expires_at + interval '7 days' WHERE grant_id = ?`, g.ID); err != nil {
		t.Fatal(err)
	}
	person := s.WithToken(sess.Token)
	person.Do(`{ me { kind } }`, nil).MustOK(t)
	s.Clock.Advance(24 * time.Hour) // the window closes; no job has run
	person.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	issued := s.Count(`SELECT count(*) FROM access_codes WHERE grant_id IS NOT NULL`)
	requestCode(s.Anonymous(), link).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM access_codes WHERE grant_id IS NOT NULL`); n != issued {
		t.Fatal("a code was issued for an expired grant")
	}
	if n, err := s.App.Resolver.TempAccessService.ExpireDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	if n := s.Count(`SELECT count(*) FROM sessions WHERE grant_id = ?`, g.ID); n != 0 {
		t.Fatal("the expired grant's sessions remain")
	}
	w.kadry = s.Login("kadry@casegate.test", "user-password-1") // a day has passed: kadry's own session has ended too
	var st struct {
		TemporaryAccessGrants struct {
			Edges []struct{ Node struct{ State string } }
		}
	}
	w.kadry.Do(`query($c: ID!) { temporaryAccessGrants(caseId: $c) { edges { node { state } } } }`, map[string]any{"c": w.caseID}).MustOK(t).Decode(t, &st)
	if st.TemporaryAccessGrants.Edges[0].Node.State != "EXPIRED" {
		t.Fatalf("state = %+v", st)
	}

	// Revocation ends the sessions at once.
	g2 := w.grant(t, map[string]any{"moveToStage": nil, "assignToSystemUser": nil, "stages": []string{"CANDIDATE_DATA"}})
	link2 := inviteLink(t, s)
	person2 := s.WithToken(signIn(t, s, link2, mailedCode(t, s, link2)).Token)
	person2.Do(`query($id: ID!) { case(id: $id) { id } }`, map[string]any{"id": w.caseID}).MustOK(t)
	var rv struct{ RevokeTemporaryAccess struct{ State string } }
	w.kadry.Do(`mutation($id: ID!) { revokeTemporaryAccess(id: $id) { state } }`, map[string]any{"id": g2.ID}).MustOK(t).Decode(t, &rv)
	if rv.RevokeTemporaryAccess.State != "REVOKED" {
		t.Fatalf("state after revoke = %s", rv.RevokeTemporaryAccess.State)
	}
	person2.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	verifyCode(s.Anonymous(), link2, "000000").MustFail(t, "UNAUTHENTICATED")
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'temporary_access.revoke' AND entity_id = ?`, g2.ID); n != 1 {
		t.Fatal("revocation is not audited")
	}
	// Another employee without WRITE cannot revoke, and cannot tell the grant exists.
	createUser(t, s.Admin(), "stranger@casegate.test", "Stranger")
	s.Login("stranger@casegate.test", "user-password-1").Do(`mutation($id: ID!) { revokeTemporaryAccess(id: $id) { id } }`,
		map[string]any{"id": g.ID}).MustFail(t, "NOT_FOUND")
}

// TestTemporaryAccessAttachments: a grant opening ATTACHMENTS lets the person upload its files and
// see those shared with it, never the organisation's internal ones; the download follows the same
// rules.
func TestTemporaryAccessAttachments(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	w.grant(t, map[string]any{"allowedActions": []string{"ATTACHMENTS"}})
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)

	add := `mutation($c: ID!, $v: Boolean, $file: Upload!) { addAttachment(caseId: $c, file: $file, visibleToExternal: $v) { id downloadUrl visibleToExternal } }`
	type out struct {
		AddAttachment struct {
			ID, DownloadURL   string
			VisibleToExternal bool
		}
	}
	var internal, shared, cv out
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID}, "ocena.txt", "text/plain", []byte("internal")).MustOK(t).Decode(t, &internal)
	uploadFile(t, w.admin, add, map[string]any{"c": w.caseID, "v": true}, "umowa.txt", "text/plain", []byte("for the candidate")).MustOK(t).Decode(t, &shared)
	uploadFile(t, person, add, map[string]any{"c": w.caseID}, "cv.pdf", "application/pdf", []byte("%PDF cv")).MustOK(t).Decode(t, &cv)
	if internal.AddAttachment.VisibleToExternal || !shared.AddAttachment.VisibleToExternal || !cv.AddAttachment.VisibleToExternal {
		t.Fatalf("visibility: internal %v, shared %v, the person's %v", internal.AddAttachment.VisibleToExternal,
			shared.AddAttachment.VisibleToExternal, cv.AddAttachment.VisibleToExternal)
	}
	var list struct {
		Case struct{ Attachments []struct{ Name string } }
	}
	person.Do(`query($id: ID!) { case(id: $id) { attachments { name } } }`, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &list)
	var names []string
	for _, a := range list.Case.Attachments {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"cv.pdf", "umowa.txt"}) {
		t.Fatalf("the person lists %v", names)
	}
	if res, body := fetchAttachment(t, s, person, shared.AddAttachment.DownloadURL); res.StatusCode != 200 || string(body) != "for the candidate" {
		t.Fatalf("shared download: %d %s", res.StatusCode, body)
	}
	downloadFails(t, s, person, internal.AddAttachment.DownloadURL, 404, "NOT_FOUND")
	person.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": shared.AddAttachment.ID}).MustFail(t, "FORBIDDEN")
	person.Do(`mutation($id: ID!) { deleteAttachment(id: $id) { id } }`, map[string]any{"id": cv.AddAttachment.ID}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'attachment.add' AND kind = 'TEMPORARY' AND actor_email = ?`, candidateEmail); n != 1 {
		t.Fatal("the person's upload is not audited under the grant")
	}
}

// TestTemporaryProcedureView: through its case, the person sees the procedure as an outsider: the
// external modes, no grants and no "visible only for" / "modify only for" lists.
func TestTemporaryProcedureView(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	hr := w.groupID(t, "Kadry")
	w.admin.Do(`mutation($g: ID!) { grantProcedureAccess(procedure: "candidate-questionnaire", principal: {groupId: $g}, right: READ) { key } }`,
		map[string]any{"g": hr}).MustOK(t)
	w.admin.Do(`mutation($g: ID!) { setFieldAccess(procedure: "candidate-questionnaire", field: "hr.notes", input: {visibleOnlyFor: [{groupId: $g}]}) { key } }`,
		map[string]any{"g": hr}).MustOK(t)
	w.grant(t, nil)
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)

	const q = `query($id: ID!) { case(id: $id) { procedure { key grants { right }
		sections { key access { internal external stageExceptions { stage internal external } }
			fields { path access { internal external visibleOnlyFor { group { id } } modifyOnlyFor { group { id } } } } } } } }`
	type settings struct {
		Internal, External string
		StageExceptions    []struct {
			Stage              string
			Internal, External *string
		}
		VisibleOnlyFor []any
		ModifyOnlyFor  []any
	}
	type view struct {
		Case struct {
			Procedure struct {
				Key      string
				Grants   []struct{ Right string }
				Sections []struct {
					Key    string
					Access settings
					Fields []struct {
						Path   string
						Access settings
					}
				}
			}
		}
	}
	// A temporary session creates no case, so it has no create forms either.
	person.Do(creatableQ, nil).MustFail(t, "FORBIDDEN")
	var staff, outsider view
	w.admin.Do(q, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &staff)
	person.Do(q, map[string]any{"id": w.caseID}).MustOK(t).Decode(t, &outsider)

	if len(staff.Case.Procedure.Grants) == 0 || staff.Case.Procedure.Sections[0].Access.Internal == staff.Case.Procedure.Sections[0].Access.External {
		t.Fatalf("the staff view lacks what the test hides: %+v", staff.Case.Procedure)
	}
	p := outsider.Case.Procedure
	if p.Key != "candidate-questionnaire" || len(p.Grants) != 0 || len(p.Sections) != len(staff.Case.Procedure.Sections) {
		t.Fatalf("outsider's procedure = %+v", p)
	}
	for i, sec := range p.Sections {
		want := staff.Case.Procedure.Sections[i].Access.External
		if sec.Access.Internal != want || sec.Access.External != want {
			t.Errorf("section %s: %+v, want both %s", sec.Key, sec.Access, want)
		}
		for _, x := range sec.Access.StageExceptions {
			if x.External == nil || x.Internal == nil || *x.Internal != *x.External {
				t.Errorf("section %s shows an internal exception: %+v", sec.Key, x)
			}
		}
		for j, f := range sec.Fields {
			if f.Access.Internal != f.Access.External || len(f.Access.VisibleOnlyFor)+len(f.Access.ModifyOnlyFor) != 0 {
				t.Errorf("field %s: %+v", f.Path, f.Access)
			}
			if f.Path == "hr.notes" && len(staff.Case.Procedure.Sections[i].Fields[j].Access.VisibleOnlyFor) != 1 {
				t.Errorf("the staff view lacks hr.notes' list")
			}
		}
	}
}

// TestPersonBylinesAreBatched: the bylines of comments written by temporary-access persons load
// their grants through the request's loader: a page costs the same queries whatever its size.
func TestPersonBylinesAreBatched(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	stay := map[string]any{"allowedActions": []string{"COMMENTS"}, "moveToStage": "CANDIDATE_DATA", "assignToSystemUser": false}
	w.grant(t, stay)
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	for _, text := range []string{"Pierwszy", "Drugi", "Trzeci"} {
		s.Clock.Advance(time.Second)
		person.Do(`mutation($c: ID!, $t: String!) { addComment(caseId: $c, text: $t) { id } }`, map[string]any{"c": w.caseID, "t": text}).MustOK(t)
	}
	const q = `query($id: ID!, $n: Int) { case(id: $id) { comments(first: $n) { edges { node { byline } } } } }`
	queries := func(n int) int64 {
		before := s.Queries()
		var out struct {
			Case struct {
				Comments struct {
					Edges []struct{ Node struct{ Byline string } }
				}
			}
		}
		w.kadry.Do(q, map[string]any{"id": w.caseID, "n": n}).MustOK(t).Decode(t, &out)
		if len(out.Case.Comments.Edges) != n || out.Case.Comments.Edges[0].Node.Byline != "Jan Kowalski" {
			t.Fatalf("comments = %+v", out.Case.Comments)
		}
		return s.Queries() - before
	}
	queries(1) // the process compiles the procedures' settings on the first request after a change
	if one, three := queries(1), queries(3); one != three {
		t.Fatalf("a page of 1 costs %d queries, a page of 3 %d", one, three)
	}
}
