package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/migrations"
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

// balancer sends a query as a load balancer without stickiness would: to the first replica that
// takes the connection, the next one when a replica is gone. It reports which replica answered
// (-1: none) and the response.
func balancer(t *testing.T, servers []*gqltest.Server, first int, token, query string) (int, *gqltest.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	for i := range servers {
		n := (first + i) % len(servers)
		req, err := http.NewRequest(http.MethodPost, servers[n].URL+"/graphql", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return -1, nil
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // the replica is gone (or going): the balancer tries the next
		}
		raw, err := io.ReadAll(res.Body)
		res.Body.Close()
		out := &gqltest.Response{Status: res.StatusCode, Raw: raw}
		if err != nil || json.Unmarshal(raw, out) != nil {
			continue
		}
		return n, out
	}
	return -1, nil
}

// TestRollingRestart: A is stopped (HTTP server drained and closed, app and pool closed) while
// clients keep sending requests through a balancer; every request is answered, by A until it goes
// and by B after, and the sessions made on A keep working on B.
func TestRollingRestart(t *testing.T) {
	a := gqltest.Start(t)
	b := a.Replica()
	servers := []*gqltest.Server{a, b}
	admin := a.Admin()
	createUser(t, admin, "worker@casegate.test", "Worker")
	tokens := []string{admin.Token, a.Login("worker@casegate.test", "user-password-1").Token}

	var (
		mu       sync.Mutex
		answered = [2]int{}
		lost     []string
		afterB   int
	)
	stopped := make(chan struct{})
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				token := tokens[(w+i)%len(tokens)]
				wasStopped := false
				select {
				case <-stopped:
					wasStopped = true
				default:
				}
				n, r := balancer(t, servers, (w+i)%2, token, meQ)
				mu.Lock()
				switch {
				case n < 0:
					lost = append(lost, "no replica answered")
				case len(r.Errors) > 0 || r.Status != http.StatusOK:
					lost = append(lost, fmt.Sprintf("replica %d: %d %s", n, r.Status, r.Raw))
				default:
					answered[n]++
					if wasStopped && n == 1 {
						afterB++
					}
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	a.Stop()
	close(stopped)
	time.Sleep(300 * time.Millisecond)
	close(done)
	wg.Wait()
	t.Logf("answered by A %d, by B %d (after A stopped %d)", answered[0], answered[1], afterB)
	if len(lost) > 0 {
		t.Fatalf("%d requests lost, first: %s", len(lost), lost[0])
	}
	if answered[0] == 0 || afterB == 0 {
		t.Fatal("the load did not reach A before it stopped and B after")
	}
	// B goes on alone: the sessions made on A, the jobs A ran (B runs them now), writes.
	for _, tok := range tokens {
		b.WithToken(tok).Do(meQ, nil).MustOK(t)
	}
	createUser(t, b.WithToken(admin.Token), "newcomer@casegate.test", "Newcomer")
	b.Login("newcomer@casegate.test", "user-password-1").Do(meQ, nil).MustOK(t)
}

// newerMigration is what a newer release might add while the older one still serves: a nullable
// column and a column with a default on every table, and a new table. docs/operations.md
// ("Migrations during a rolling upgrade") states the rule; this is the rule applied.
const newerMigration = `
DO $$
DECLARE t text;
BEGIN
	FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'bun\_%' LOOP
		EXECUTE format('ALTER TABLE %I ADD COLUMN newer_note text, ADD COLUMN newer_flag boolean NOT NULL DEFAULT false', t);
	END LOOP;
END $$;
--bun:split
CREATE TABLE newer_things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), note text);
`

// migrateAsNewerRelease applies the migrations of this release plus newerMigration, under the
// migration lock, as a newer replica starting up would.
func migrateAsNewerRelease(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := context.Background()
	files := fstest.MapFS{"29991231000001_newer.tx.up.sql": {Data: []byte(newerMigration)}}
	current, err := fs.Glob(os.DirFS("../../migrations"), "*.sql")
	if err != nil || len(current) == 0 {
		t.Fatalf("migrations of this release: %v %v", current, err)
	}
	for _, name := range current {
		data, err := os.ReadFile("../../migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: data}
	}
	newer := migrate.NewMigrations()
	if err := newer.Discover(files); err != nil {
		t.Fatal(err)
	}
	err = migrations.Locked(ctx, db, func(ctx context.Context, _ *migrate.Migrator) error {
		group, err := migrate.NewMigrator(db, newer, migrate.WithMarkAppliedOnSuccess(true)).Migrate(ctx)
		if err == nil && group.IsZero() {
			err = errors.New("the newer migration was not applied")
		}
		return err
	})
	if err != nil {
		t.Fatalf("newer release's migration: %v", err)
	}
}

// TestOlderReplicaSurvivesNewerMigration: while A (this release) serves, a newer replica migrates
// the database additively; A goes on serving everything it did (reads with c.* and g.*, writes,
// lists, logins, the outbox, the jobs' work), and A restarting (its migrate step finding a migration
// it does not know) starts normally.
func TestOlderReplicaSurvivesNewerMigration(t *testing.T) {
	a := gqltest.Start(t)
	before := newCompany(t, a)
	oldCase := before.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan"}})

	migrateAsNewerRelease(t, a.DB)

	// Sessions made before and after.
	before.creator.Do(meQ, nil).MustOK(t)
	admin := a.Admin()
	admin.Do(`{ me { user { email groups { name } } } }`, nil).MustOK(t)
	// Cases and documents: read, list, write.
	before.creator.Do(readSalary, map[string]any{"id": oldCase}).MustOK(t)
	id := before.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Ewa"}})
	before.creator.Do(`mutation($id: ID!) { updateSalaryChange(id: $id, input: {employee: {employeeName: "Ewa N."}}) { id } }`,
		map[string]any{"id": id}).MustOK(t)
	if ids := allCases(t, before.creator); !slices.Contains(ids, oldCase) || !slices.Contains(ids, id) {
		t.Fatalf("cases after the newer migration: %v", ids)
	}
	doc := createDocument(t, before.creator, map[string]any{"caseId": id, "title": "Aneks"})
	if !slices.Contains(documentIDs(t, before.creator), doc) {
		t.Fatal("the new document is not listed")
	}
	before.creator.Do(`query($id: ID!) { document(id: $id) { id title } }`, map[string]any{"id": doc}).MustOK(t)
	// Directory, groups, settings, audit log.
	admin.Do(`{ users(first: 50) { edges { node { id groups { name } } } } groups { edges { node { name } } } }`, nil).MustOK(t)
	admin.Do(`mutation { updateSettings(input: {taskNotifications: false}) { taskNotifications } }`, nil).MustOK(t)
	admin.Do(`{ settings { taskNotifications } auditLog(first: 5) { edges { cursor } } }`, nil).MustOK(t)
	// Rate-limit bookkeeping and the outbox.
	login(a.Anonymous(), "kadry@casegate.test", "wrong-password-1").MustFail(t, "UNAUTHENTICATED")
	createUser(t, admin, "forgetful@casegate.test", "Forgetful")
	a.Anonymous().Do(`mutation { requestPasswordReset(email: "forgetful@casegate.test") }`, nil).MustOK(t)
	deliverAll(t, a)
	if len(mailsTo(t, a, "forgetful@casegate.test")) != 1 {
		t.Fatal("the reset mail did not go out")
	}

	// A restarts (the old release again, as on a rolled-back deploy): its migrate step finds the
	// newer migration applied, which it does not know, and has nothing to do.
	group, err := migrations.Up(context.Background(), a.DB)
	if err != nil {
		t.Fatalf("the older release's migrate step after the newer migration: %v", err)
	}
	if !group.IsZero() {
		t.Fatalf("the older release migrated %s", group)
	}
	again := a.Replica()
	again.WithToken(before.creator.Token).Do(readSalary, map[string]any{"id": oldCase}).MustOK(t)
}

// TestReplicasStartTogether: two replicas started at the same moment on an empty database both
// come up: one migrates while the other waits on the migration lock, and both make sure the
// configured administrator exists without tripping over each other.
func TestReplicasStartTogether(t *testing.T) {
	for round := range 2 {
		url := dbtest.NewEmptyURL(t)
		cfg := config.Defaults()
		cfg.AdminEmail, cfg.AdminPassword = gqltest.AdminEmail, gqltest.AdminPassword
		fast := password.Params{Memory: 1024, Time: 1, Threads: 1}
		var (
			wg       sync.WaitGroup
			errs     [2]error
			migrated [2]bool
			start    = make(chan struct{})
		)
		for i := range 2 {
			db := dbtest.Open(t, url)
			wg.Go(func() {
				<-start
				ctx := context.Background()
				group, err := migrations.Up(ctx, db)
				if err != nil {
					errs[i] = err
					return
				}
				migrated[i] = !group.IsZero()
				a, err := app.New(ctx, cfg, db, nil, app.Options{Password: &fast})
				if err != nil {
					errs[i] = err
					return
				}
				errs[i] = a.Close()
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: replica %d did not start: %v", round, i, err)
			}
		}
		if migrated[0] == migrated[1] {
			t.Fatalf("round %d: migrated %v, want exactly one replica to migrate", round, migrated)
		}
		db := dbtest.Open(t, url)
		var admins int
		if err := db.QueryRow(`SELECT count(*) FROM users WHERE lower(email) = ? AND 'ADMIN' = ANY(permissions)`, gqltest.AdminEmail).Scan(&admins); err != nil {
			t.Fatal(err)
		}
		if admins != 1 {
			t.Fatalf("round %d: %d administrators, want 1", round, admins)
		}
	}
}
