package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// The replica story (docs/operations.md, "Running several replicas"): several casegate processes
// behind a load balancer without stickiness, on one PostgreSQL. Everything a request depends on is
// in the database, read on every request; nothing a replica keeps in memory decides an answer.
// These tests start two replicas, A and B, on one database and send each step to one of them.

const meQ = `{ me { kind user { email } } }`

// TestReplicasShareState: a session, a rate limit, a one-time code and an outbox message work the
// same whichever replica gets the request; a settings change, a revocation and a deactivation made
// on one are in force on the other at its next request.
func TestReplicasShareState(t *testing.T) {
	a := gqltest.Start(t)
	b := a.Replica()
	adminA := a.Admin()
	adminB := b.WithToken(adminA.Token)

	t.Run("session", func(t *testing.T) {
		// Logged in on A, known on B; logged out on B, gone on A.
		createUser(t, adminA, "worker@casegate.test", "Worker")
		onA := a.Login("worker@casegate.test", "user-password-1")
		onB := b.WithToken(onA.Token)
		onB.Do(meQ, nil).MustOK(t)
		onB.Do(`mutation { logout }`, nil).MustOK(t)
		onA.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
		onB.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
	})

	t.Run("rate limit", func(t *testing.T) {
		// Five failures per account in the window, counted together: three on A and two on B.
		createUser(t, adminA, "limited@casegate.test", "Limited")
		for i, s := range []*gqltest.Server{a, a, a, b, b} {
			if code := login(s.Anonymous(), "limited@casegate.test", "wrong-password-1").Code(); code != "UNAUTHENTICATED" {
				t.Fatalf("failure %d: %s, want UNAUTHENTICATED", i+1, code)
			}
		}
		login(a.Anonymous(), "limited@casegate.test", "user-password-1").MustFail(t, "RATE_LIMITED")
		login(b.Anonymous(), "limited@casegate.test", "user-password-1").MustFail(t, "RATE_LIMITED")
	})

	t.Run("one-time code", func(t *testing.T) {
		// HR grants access on A; the candidate asks for a code on A and signs in with it on B; the
		// session works on both; the spent code is spent everywhere.
		w := newTempWorld(t, a)
		g := w.grant(t, nil)
		link := inviteLink(t, a)
		code := mailedCode(t, a, link)
		sess := signIn(t, b, link, code)
		if sess.Viewer.Kind != "TEMPORARY" || sess.Viewer.Grant.ID != g.ID {
			t.Fatalf("session on B = %+v", sess)
		}
		for _, s := range []*gqltest.Server{a, b} {
			s.WithToken(sess.Token).Do(questionnaire, map[string]any{"id": w.caseID}).MustOK(t)
		}
		verifyCode(a.Anonymous(), link, code).MustFail(t, "UNAUTHENTICATED")

		// A settings change on A is in force on B at once: with external functions off, B refuses
		// a new grant.
		kadryB := b.WithToken(w.kadry.Token)
		adminA.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: false}) { externalFunctionsEnabled } }`, nil).MustOK(t)
		var set struct {
			Settings struct{ ExternalFunctionsEnabled bool }
		}
		adminB.Do(`{ settings { externalFunctionsEnabled } }`, nil).MustOK(t).Decode(t, &set)
		if set.Settings.ExternalFunctionsEnabled {
			t.Fatal("B still reads externalFunctionsEnabled as true")
		}
		r := kadryB.Do(grantMutation, map[string]any{"c": w.otherID, "in": map[string]any{"email": "ewa@example.com",
			"firstName": "Ewa", "lastName": "Nowak", "loginMethod": "EMAIL_CODE", "moveToStage": "CANDIDATE_DATA",
			"mailSubject": "Kwestionariusz", "mailBody": "{{link}}"}})
		if e := r.MustFail(t, "PRECONDITION_FAILED"); !sameStrings(e.Extensions["missing"], "externalFunctionsEnabled") {
			t.Fatalf("B refused the grant for %v", e.Extensions["missing"])
		}
	})

	t.Run("outbox", func(t *testing.T) {
		// A message enqueued on A is delivered once, though both replicas deliver at the same time.
		createUser(t, adminA, "forgetful@casegate.test", "Forgetful")
		deliverAll(t, a) // nothing left over from the steps before
		before := len(a.SMTP.Messages())
		a.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
		catchUpWithDatabase(t, a)
		var wg sync.WaitGroup
		for _, s := range []*gqltest.Server{a, b} {
			wg.Go(func() {
				if _, err := s.App.Deliverer.DeliverDue(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		a.SMTP.WaitFor(t, before+1, 5*time.Second)
		time.Sleep(200 * time.Millisecond) // a second send, were there one, would be in by now
		if got := len(a.SMTP.Messages()) - before; got != 1 {
			t.Fatalf("the reset mail was sent %d times, want once", got)
		}
		if n := a.Count(`SELECT count(*) FROM outbox WHERE recipient = 'forgetful@casegate.test' AND sent_at IS NOT NULL AND attempts = 1`); n != 1 {
			t.Fatalf("%d sent outbox rows for the reset mail with one attempt, want 1", n)
		}
	})

	t.Run("revocation", func(t *testing.T) {
		// A permission granted on A opens the audit log on B; revoked on A, it is closed on B at
		// B's next request.
		clerk := createUser(t, adminA, "clerk@casegate.test", "Clerk")
		vars := map[string]any{"u": clerk}
		clerkB := b.WithToken(a.Login("clerk@casegate.test", "user-password-1").Token)
		clerkB.Do(`{ auditLog(first: 1) { edges { cursor } } }`, nil).MustFail(t, "FORBIDDEN")
		adminA.Do(`mutation($u: ID!) { grantPermission(userId: $u, permission: VIEW_AUDIT) { id } }`, vars).MustOK(t)
		clerkB.Do(`{ auditLog(first: 1) { edges { cursor } } }`, nil).MustOK(t)
		adminA.Do(`mutation($u: ID!) { revokePermission(userId: $u, permission: VIEW_AUDIT) { id } }`, vars).MustOK(t)
		clerkB.Do(`{ auditLog(first: 1) { edges { cursor } } }`, nil).MustFail(t, "FORBIDDEN")
	})

	t.Run("deactivation", func(t *testing.T) {
		// Deactivated on B, the user's sessions end on A, and so does a login on A.
		id := createUser(t, adminA, "leaver@casegate.test", "Leaver")
		onA := a.Login("leaver@casegate.test", "user-password-1")
		onA.Do(meQ, nil).MustOK(t)
		adminB.Do(`mutation($id: ID!) { setUserStatus(id: $id, status: DEACTIVATED) { status } }`, map[string]any{"id": id}).MustOK(t)
		onA.Do(meQ, nil).MustFail(t, "UNAUTHENTICATED")
		login(a.Anonymous(), "leaver@casegate.test", "user-password-1").MustFail(t, "UNAUTHENTICATED")
	})
}

// TestReplicasEnforceAccessChanges: what decides a case's visibility and its fields' modes, changed
// on A, is in force on B at B's next request: a removed ACL entry, a removed group member, a
// changed field setting of the procedure.
func TestReplicasEnforceAccessChanges(t *testing.T) {
	a := gqltest.Start(t)
	b := a.Replica()
	c := newCompany(t, a)
	villainB, creatorB := b.WithToken(c.villain.Token), b.WithToken(c.creator.Token)
	id := c.createSalaryChange(t, map[string]any{})
	vars := map[string]any{"id": id}
	const caseQ = `query($id: ID!) { case(id: $id) { id } }`
	villainB.Do(caseQ, vars).MustFail(t, "NOT_FOUND")

	var g struct{ CreateGroup struct{ ID string } }
	c.admin.Do(`mutation { createGroup(name: "Audyt") { id } }`, nil).MustOK(t).Decode(t, &g)
	member := map[string]any{"g": g.CreateGroup.ID, "u": c.users["villain"]}
	const addMember = `mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`
	c.admin.Do(addMember, member).MustOK(t)
	setACL := `mutation($id: ID!, $e: [AclEntryInput!]!) { setCaseAcl(caseId: $id, entries: $e) { id } }`
	entries := []map[string]any{{"groupId": g.CreateGroup.ID, "rights": []string{"READ"}}}
	c.admin.Do(setACL, map[string]any{"id": id, "e": entries}).MustOK(t)
	villainB.Do(caseQ, vars).MustOK(t)

	// The group member removed on A: B no longer shows the case.
	c.admin.Do(`mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }`, member).MustOK(t)
	villainB.Do(caseQ, vars).MustFail(t, "NOT_FOUND")
	c.admin.Do(addMember, member).MustOK(t)
	villainB.Do(caseQ, vars).MustOK(t)
	// The ACL entry removed on A: the same.
	c.admin.Do(setACL, map[string]any{"id": id, "e": []any{}}).MustOK(t)
	villainB.Do(caseQ, vars).MustFail(t, "NOT_FOUND")

	// A field setting changed on A: B hides the field from its next request.
	const field = "compensation.requestedSalary"
	if m := modes(t, creatorB.Do(readSalary, vars), "salaryChange", "case", "access"); m[field] == "HIDDEN" {
		t.Fatalf("%s hidden before the change: %v", field, m)
	}
	c.admin.Do(`mutation { setFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary", input: {internal: HIDDEN}) { path } }`, nil).MustOK(t)
	if m := modes(t, creatorB.Do(readSalary, vars), "salaryChange", "case", "access"); m[field] != "HIDDEN" {
		t.Fatalf("%s on B after it was hidden on A: %v", field, m)
	}
	c.admin.Do(`mutation { resetFieldAccess(procedure: "salary-change", field: "compensation.requestedSalary") { path } }`, nil).MustOK(t)
	if m := modes(t, creatorB.Do(readSalary, vars), "salaryChange", "case", "access"); m[field] == "HIDDEN" {
		t.Fatalf("%s still hidden on B after the reset on A: %v", field, m)
	}
}

// jobNames are the jobs app.New registers.
var jobNames = []string{"outbox-delivery", "temporary-access-expiry", "substitution-end", "substitution-notices", "session-cleanup"}

// jobRuns counts, per job, the runs a server logged ("job done") and the runs it left to another
// replica ("job skipped: ...").
func jobRuns(s *gqltest.Server) (done, skipped map[string]int) {
	done, skipped = map[string]int{}, map[string]int{}
	for line := range strings.Lines(s.Logs()) {
		for _, name := range jobNames {
			if !strings.Contains(line, " job="+name+" ") && !strings.HasSuffix(strings.TrimSpace(line), " job="+name) {
				continue
			}
			switch {
			case strings.Contains(line, `msg="job done"`), strings.Contains(line, `msg="job failed"`):
				done[name]++
			case strings.Contains(line, `msg="job skipped`):
				skipped[name]++
			}
		}
	}
	return done, skipped
}

// TestReplicasRunEachJobOncePerTick: both replicas run the scheduler on the same clock; each job
// runs on one of them per tick, never on both.
func TestReplicasRunEachJobOncePerTick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := gqltest.StartWith(t, app.Options{JobInterval: time.Minute})
	b := a.Replica()
	a.App.StartJobs()
	b.App.StartJobs()
	const ticks = 3
	timers := 2 * len(jobNames) // gocron keeps one clock timer per job, on each replica
	for tick := 1; tick <= ticks; tick++ {
		if err := a.Clock.BlockUntilContext(ctx, timers); err != nil {
			t.Fatalf("tick %d: schedulers not waiting: %v", tick, err)
		}
		a.Clock.Advance(time.Minute)
		// Wait until every job has run this tick (or a second at most), then a moment more for a
		// second run, were there one.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			da, _ := jobRuns(a)
			db, _ := jobRuns(b)
			all := true
			for _, name := range jobNames {
				all = all && da[name]+db[name] >= tick
			}
			if all {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
	}
	da, sa := jobRuns(a)
	db, sb := jobRuns(b)
	t.Logf("runs on A %v, on B %v; skipped on A %v, on B %v", da, db, sa, sb)
	for _, name := range jobNames {
		runs := da[name] + db[name]
		if runs > ticks {
			t.Errorf("%s ran %d times in %d ticks across the replicas (A %d, B %d)", name, runs, ticks, da[name], db[name])
		}
		if runs < ticks-1 { // gocron's singleton mode may drop a tick on a fake clock (see internal/jobs)
			t.Errorf("%s ran %d times in %d ticks", name, runs, ticks)
		}
		if sa[name]+sb[name] == 0 {
			t.Errorf("%s: no replica left a run to the other; were both scheduling?", name)
		}
	}
	for _, s := range []*gqltest.Server{a, b} {
		if strings.Contains(s.Logs(), `msg="job failed"`) || strings.Contains(s.Logs(), `msg="job panicked"`) {
			t.Errorf("a job failed:\n%s", s.Logs())
		}
	}
}
