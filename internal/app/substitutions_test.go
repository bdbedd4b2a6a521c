package app_test

import (
	"testing"
	"time"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// substitutionWorld: Anna (the substituted) created a salary-change case whose requested salary
// only she may modify, and a confidential document; Bogdan (the substitute) reads neither, but holds
// VIEW_AUDIT, which Anna does not. The administrator defined Bogdan's substitution of Anna for today
// and the next two days.
type substitutionWorld struct {
	s                             *gqltest.Server
	admin, anna, bogdan           *gqltest.Client
	annaID, bogdanID              string
	caseID, docID, substitutionID string
}

func newSubstitutionWorld(t *testing.T, configure ...func(*config.Config)) *substitutionWorld {
	t.Helper()
	s := gqltest.Start(t, configure...)
	w := &substitutionWorld{s: s, admin: s.Admin()}
	w.annaID = createUser(t, w.admin, "anna@casegate.test", "Anna Nowak")
	w.bogdanID = createUser(t, w.admin, "bogdan@casegate.test", "Bogdan Zastępca")
	grantPermission(t, w.admin, w.bogdanID, "VIEW_AUDIT")
	w.admin.Do(`mutation($m: [PrincipalRefInput!]) {
		setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary", input: {modifyOnlyFor: $m}) { path } }`,
		map[string]any{"m": []map[string]any{{"userId": w.annaID}}}).MustOK(t)
	w.anna = s.Login("anna@casegate.test", "user-password-1")
	w.bogdan = s.Login("bogdan@casegate.test", "user-password-1")
	var c struct{ CreateSalaryChange struct{ ID string } }
	w.anna.Do(`mutation { createSalaryChange(input: {employee: {employeeName: "Jan Kowalski", justification: "Awans"}}) { id } }`, nil).MustOK(t).Decode(t, &c)
	w.caseID = c.CreateSalaryChange.ID
	w.docID = createDocument(t, w.anna, map[string]any{"title": "Umowa poufna", "confidential": true})
	w.substitutionID = mustSubstitution(t, createSubstitution(w.admin, map[string]any{"substitutedId": w.annaID,
		"substituteId": w.bogdanID, "dateTo": warsawDay(s, 2)})).ID
	return w
}

const updSalary = `mutation($id: ID!) { updateSalaryChange(id: $id, input: {compensation: {requestedSalary: "9500.00"}}) { id } }`

// TestWorkAsASubstitute is the whole flow: start, act with exactly Anna's rights (a field only she
// may write, a comment, a document only she may open), the audit naming both, and the end of the
// mode when the substitution is deactivated.
func TestWorkAsASubstitute(t *testing.T) {
	w := newSubstitutionWorld(t)
	ids := map[string]any{"id": w.caseID}
	// As himself Bogdan reads neither the case nor the document, but sees the substitution to start.
	w.bogdan.Do(updSalary, ids).MustFail(t, "NOT_FOUND")
	w.bogdan.Do(`query($id: ID!) { document(id: $id) { title } }`, map[string]any{"id": w.docID}).MustFail(t, "NOT_FOUND")
	var avail struct {
		Me struct{ AvailableSubstitutions []struct{ ID string } }
	}
	w.bogdan.Do(`{ me { availableSubstitutions { id } } }`, nil).MustOK(t).Decode(t, &avail)
	if a := avail.Me.AvailableSubstitutions; len(a) != 1 || a[0].ID != w.substitutionID {
		t.Fatalf("available substitutions %+v", a)
	}
	// Anna cannot start her own substitution.
	startSubstitution(w.anna, w.substitutionID).MustFail(t, "FORBIDDEN")

	var started struct{ StartSubstitution viewerOut }
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t).Decode(t, &started)
	v := started.StartSubstitution
	if v.User.ID != w.annaID || v.NativeUser.ID != w.bogdanID || v.Substitution == nil || v.Substitution.ID != w.substitutionID || v.Kind != "INTERNAL" {
		t.Fatalf("viewer after start %+v", v)
	}
	if m := me(t, w.bogdan); m.User.ID != w.annaID || m.NativeUser.ID != w.bogdanID || m.Substitution == nil || len(m.Permissions) != 0 {
		t.Fatalf("me while substituting %+v", m)
	}

	// Anna's rights, and only hers.
	w.bogdan.Do(updSalary, ids).MustOK(t)
	var doc struct{ Document struct{ Title string } }
	w.bogdan.Do(`query($id: ID!) { document(id: $id) { title } }`, map[string]any{"id": w.docID}).MustOK(t).Decode(t, &doc)
	if doc.Document.Title != "Umowa poufna" {
		t.Fatalf("document %+v", doc)
	}
	w.bogdan.Do(`{ auditLog(first: 1) { edges { node { id } } } }`, nil).MustFail(t, "FORBIDDEN") // VIEW_AUDIT is Bogdan's, not Anna's
	com := mustComment(t, addComment(w.bogdan, map[string]any{"c": w.caseID, "t": "Zatwierdzam w zastępstwie"}))
	if com.Byline != "Bogdan Zastępca on behalf of Anna Nowak" || com.Author.ID != w.annaID || com.NativeUser.ID != w.bogdanID {
		t.Fatalf("comment %+v", com)
	}

	// The audit names both users and the substitution; it can be searched by the native user.
	var log struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Action         string
					User           struct{ ID string }
					NativeUser     struct{ ID string }
					SubstitutionID *string
				}
			}
		}
	}
	w.admin.Do(`query($n: ID) { auditLog(filter: {nativeUserId: $n, substituting: true}, first: 50) {
		edges { node { action user { id } nativeUser { id } substitutionId } } } }`, map[string]any{"n": w.bogdanID}).MustOK(t).Decode(t, &log)
	actions := map[string]bool{}
	for _, e := range log.AuditLog.Edges {
		n := e.Node
		if n.User.ID != w.annaID || n.NativeUser.ID != w.bogdanID || n.SubstitutionID == nil || *n.SubstitutionID != w.substitutionID {
			t.Errorf("audit record %+v", n)
		}
		actions[n.Action] = true
	}
	for _, a := range []string{"case.update", "comment.add"} {
		if !actions[a] {
			t.Errorf("no %s record made while substituting, have %v", a, actions)
		}
	}

	// Deactivated: the very next request is Bogdan's own, whatever the jobs did (none run here).
	mustSubstitution(t, updateSubstitution(w.admin, w.substitutionID, map[string]any{"active": false}))
	if m := me(t, w.bogdan); m.User.ID != w.bogdanID || m.Substitution != nil {
		t.Fatalf("me after deactivation %+v", m)
	}
	w.bogdan.Do(updSalary, ids).MustFail(t, "NOT_FOUND")
	e := startSubstitution(w.bogdan, w.substitutionID).MustFail(t, "PRECONDITION_FAILED")
	if m, _ := e.Extensions["missing"].([]any); len(m) != 1 || m[0] != "SUBSTITUTION_INACTIVE" {
		t.Errorf("start of an inactive substitution: %v", e.Extensions)
	}
}

// TestSubstitutionModeEnds: ending switches back; the substituted user's deactivation ends the mode
// at the next request; there is no chaining.
func TestSubstitutionModeEnds(t *testing.T) {
	w := newSubstitutionWorld(t)
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t)
	var ended struct{ EndSubstitution viewerOut }
	w.bogdan.Do(`mutation { endSubstitution { `+viewerFields+` } }`, nil).MustOK(t).Decode(t, &ended)
	if v := ended.EndSubstitution; v.User.ID != w.bogdanID || v.Substitution != nil {
		t.Fatalf("after endSubstitution %+v", v)
	}
	if n := w.s.Count(`SELECT count(*) FROM audit_log WHERE action IN ('substitution.start', 'substitution.end') AND entity_id = ?`, w.substitutionID); n != 2 {
		t.Errorf("%d start/end records", n)
	}

	// No chaining: Celina is substituted by Anna; Bogdan working as Anna cannot start it.
	celina := createUser(t, w.admin, "celina@casegate.test", "Celina")
	chained := mustSubstitution(t, createSubstitution(w.admin, map[string]any{"substitutedId": celina, "substituteId": w.annaID})).ID
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t)
	startSubstitution(w.bogdan, chained).MustFail(t, "FORBIDDEN")
	if m := me(t, w.bogdan); m.User.ID != w.annaID {
		t.Fatalf("a refused start changed the session: %+v", m)
	}

	// Anna is deactivated: Bogdan's next request is his own.
	setUserStatus(t, w.admin, w.annaID, "DEACTIVATED")
	if m := me(t, w.bogdan); m.User.ID != w.bogdanID || m.NativeUser.ID != w.bogdanID || m.Substitution != nil {
		t.Fatalf("me after the substituted user's deactivation %+v", m)
	}
	setUserStatus(t, w.admin, w.annaID, "ACTIVE")
	// Reactivated, Anna's substitution does not resume unasked: Bogdan starts it again.
	if m := me(t, w.bogdan); m.User.ID != w.bogdanID {
		t.Fatalf("me after reactivation %+v", m)
	}
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t)
}

// TestSubstitutionPeriodEnds: the mode holds to the last second of dateTo and ends at the first
// second after it, with no job run; the job then clears the session and records it.
func TestSubstitutionPeriodEnds(t *testing.T) {
	w := newSubstitutionWorld(t, func(c *config.Config) { c.SessionTTL = 7 * 24 * time.Hour })
	var sub struct{ Substitution substitutionOut }
	w.admin.Do(`query($id: ID!) { substitution(id: $id) { `+substitutionFields+` } }`, map[string]any{"id": w.substitutionID}).MustOK(t).Decode(t, &sub)
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t)
	if h := sub.Substitution.EndsAt.In(time.UTC).Sub(sub.Substitution.StartsAt.In(time.UTC)); h < 71*time.Hour || h > 73*time.Hour {
		t.Fatalf("a three-day period lasts %s", h)
	}
	w.s.Clock.Advance(sub.Substitution.EndsAt.Sub(w.s.Clock.Now()) - time.Second)
	if m := me(t, w.bogdan); m.User.ID != w.annaID {
		t.Fatalf("at the last second: %+v", m)
	}
	if n, err := w.s.App.Resolver.SubstitutionService.EndDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("the job ended %d before the end (%v)", n, err)
	}
	w.s.Clock.Advance(time.Second)
	if m := me(t, w.bogdan); m.User.ID != w.bogdanID || m.Substitution != nil {
		t.Fatalf("at the first second after: %+v", m)
	}
	startSubstitution(w.bogdan, w.substitutionID).MustFail(t, "PRECONDITION_FAILED")
	if n, err := w.s.App.Resolver.SubstitutionService.EndDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("the job ended %d (%v)", n, err)
	}
	if n := w.s.Count(`SELECT count(*) FROM sessions WHERE substitution_id IS NOT NULL`); n != 0 {
		t.Errorf("%d sessions still name a substitution", n)
	}
	if n := w.s.Count(`SELECT count(*) FROM audit_log WHERE action = 'substitution.sessions_ended' AND entity_id = ?`, w.substitutionID); n != 1 {
		t.Errorf("%d records of the end", n)
	}
}

// TestSubstituteCannotWidenOwnAccess: working as Anna, who manages her own substitutions and is an
// administrator, Bogdan can neither extend nor recreate his substitution, nor grant himself a right;
// he can still grant rights to others, as Anna would.
func TestSubstituteCannotWidenOwnAccess(t *testing.T) {
	w := newSubstitutionWorld(t)
	grantPermission(t, w.admin, w.annaID, "MANAGE_SUBSTITUTIONS_OWN")
	grantPermission(t, w.admin, w.annaID, "ADMIN")
	celina := createUser(t, w.admin, "celina@casegate.test", "Celina")
	startSubstitution(w.bogdan, w.substitutionID).MustOK(t)
	before := w.s.Count(`SELECT count(*) FROM substitutions`)
	w.bogdan.Do(`mutation($id: ID!, $d: Date!) { extendSubstitution(id: $id, dateTo: $d) { dateTo } }`,
		map[string]any{"id": w.substitutionID, "d": warsawDay(w.s, 300)}).MustFail(t, "FORBIDDEN")
	createSubstitution(w.bogdan, map[string]any{"substituteId": w.bogdanID, "dateTo": warsawDay(w.s, 300)}).MustFail(t, "FORBIDDEN")
	updateSubstitution(w.bogdan, w.substitutionID, map[string]any{"active": true}).MustFail(t, "FORBIDDEN")
	w.bogdan.Do(`{ substitutions { edges { node { id } } } }`, nil).MustFail(t, "FORBIDDEN")
	if n := w.s.Count(`SELECT count(*) FROM substitutions`); n != before {
		t.Fatalf("%d substitutions written", n-before)
	}
	var sub struct{ Substitution struct{ DateTo string } }
	w.bogdan.Do(`query($id: ID!) { substitution(id: $id) { dateTo } }`, map[string]any{"id": w.substitutionID}).MustOK(t).Decode(t, &sub)
	if sub.Substitution.DateTo != warsawDay(w.s, 2) {
		t.Fatalf("the substitution now ends %s", sub.Substitution.DateTo)
	}
	grant := `mutation($u: ID!) { grantPermission(userId: $u, permission: ADMIN) { id } }`
	w.bogdan.Do(grant, map[string]any{"u": w.bogdanID}).MustFail(t, "FORBIDDEN")
	w.bogdan.Do(`mutation($u: ID!) { addGroupMember(groupId: "00000000-0000-0000-0000-000000000002", userId: $u) { id } }`,
		map[string]any{"u": w.bogdanID}).MustFail(t, "FORBIDDEN")
	w.bogdan.Do(grant, map[string]any{"u": celina}).MustOK(t)
	if n := w.s.Count(`SELECT count(*) FROM users WHERE id = ? AND 'ADMIN' = ANY(permissions)`, w.bogdanID); n != 0 {
		t.Fatal("Bogdan made himself an administrator")
	}
}
