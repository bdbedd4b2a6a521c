package cases

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/listtest"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/substtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

func testRegistry() *forms.Registry {
	mk := func(key string, keep bool) *forms.Procedure {
		return &forms.Procedure{Key: key, Name: key, Stages: []string{"A", "B", "C"}, KeepAccessAfterTask: keep,
			Sections: []*forms.Section{{Key: "s", Internal: access.Modify, External: access.Hidden,
				Fields: []*forms.Field{{Key: "f", Type: forms.String, Internal: access.AsSection, External: access.AsSection}}}}}
	}
	return forms.NewRegistry(mk("keeps", true), mk("forgets", false))
}

// world is a random company: users in groups, a position tree, clients, procedure grants and cases
// with tasks, ACL entries and participants, all in the database.
type world struct {
	users, groups, positions, paths, clients, contacts, guests, projects []string
	principals                                                           []*access.Principal
}

var uuidFor = dbtest.ID

func must(t *testing.T, _ any, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// agreeAt is the time of the requests in the random worlds.
var agreeAt = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func build(t *testing.T, db *bun.DB, r *rand.Rand, cases int) *world {
	ctx := context.Background()
	w := &world{}
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.ExecContext(ctx, q, args...)
		must(t, nil, err)
	}
	for i := range 6 {
		w.users = append(w.users, uuidFor("user", i))
		exec(`INSERT INTO users (id, email, name) VALUES (?, ?, ?)`, w.users[i], fmt.Sprintf("u%d@x.test", i), fmt.Sprintf("U%d", i))
	}
	for i := range 3 {
		w.groups = append(w.groups, uuidFor("grp", i))
		exec(`INSERT INTO groups (id, name) VALUES (?, ?)`, w.groups[i], fmt.Sprintf("G%d", i))
	}
	allGroups := append(slices.Clone(w.groups), access.ClientDataGroupID)
	for i := range 4 {
		id := uuidFor("pos", i)
		path, parent := "/"+id+"/", any(nil)
		if i > 0 {
			p := r.IntN(i)
			path, parent = w.paths[p]+id+"/", w.positions[p]
		}
		w.positions, w.paths = append(w.positions, id), append(w.paths, path)
		exec(`INSERT INTO positions (id, parent_id, name, path) VALUES (?, ?, ?, ?)`, id, parent, "P", path)
	}
	for i := range 3 {
		w.clients = append(w.clients, uuidFor("client", i))
		exec(`INSERT INTO clients (id, kind, name) VALUES (?, 'COMPANY', 'C')`, w.clients[i])
	}
	// Contacts: one of each company, a second of the first, and one of no company.
	for i, company := range []any{w.clients[0], w.clients[1], w.clients[2], w.clients[0], nil} {
		w.contacts = append(w.contacts, uuidFor("contact", i))
		exec(`INSERT INTO clients (id, kind, name, company_id) VALUES (?, 'CONTACT', 'K', ?)`, w.contacts[i], company)
	}
	// Projects: of a company, of another, of none.
	for i, company := range []any{w.clients[0], w.clients[1], nil, w.clients[0]} {
		w.projects = append(w.projects, uuidFor("project", i))
		exec(`INSERT INTO projects (id, name, counterparty_id, created_at) VALUES (?, 'P', ?, ?)`, w.projects[i], company, agreeAt)
	}
	// Every contact but the last has a guest account.
	for i, c := range w.contacts[:len(w.contacts)-1] {
		w.guests = append(w.guests, uuidFor("guest", i))
		exec(`INSERT INTO users (id, email, name, contact_id) VALUES (?, ?, 'Guest', ?)`, w.guests[i], fmt.Sprintf("g%d@x.test", i), c)
	}
	for _, u := range w.users {
		p := &access.Principal{Kind: access.KindInternal, UserID: u, NativeUserID: u}
		for _, g := range allGroups {
			if r.IntN(3) == 0 {
				p.Groups = append(p.Groups, g)
				exec(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, g, u)
			}
		}
		for i, pos := range w.positions {
			if r.IntN(4) == 0 {
				sub := r.IntN(2) == 0
				p.PositionRights = append(p.PositionRights, access.PositionRight{PositionID: pos, Path: w.paths[i], IncludeSubtree: sub})
				exec(`INSERT INTO position_rights (position_id, user_id, include_subtree) VALUES (?, ?, ?)`, pos, u, sub)
			}
		}
		for _, cl := range w.clients {
			if r.IntN(5) == 0 {
				p.ClientGrants = append(p.ClientGrants, cl)
				exec(`INSERT INTO client_grants (client_id, user_id) VALUES (?, ?)`, cl, u)
			}
		}
		if r.IntN(8) == 0 {
			p.Permissions = []access.Permission{access.PermAdmin}
			exec(`UPDATE users SET permissions = '{ADMIN}' WHERE id = ?`, u)
		}
		w.principals = append(w.principals, p)
	}
	// Contacts as bare principals (no account, no company known), and every guest account through a
	// real session and the principal query, with guestsSeeCompanyCases off and on.
	for _, c := range w.contacts {
		w.principals = append(w.principals, &access.Principal{Kind: access.KindExternal, ContactID: c})
	}
	for _, on := range []bool{false, true} {
		exec(`INSERT INTO settings (key, value, updated_at) VALUES ('guestsSeeCompanyCases', ?::jsonb, now())
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, fmt.Sprint(on))
		for i, g := range w.guests {
			p := guestPrincipal(t, db, g, agreeAt)
			if p.ContactID != w.contacts[i] || p.CompanyCases != on || p.CompanyID == "" {
				t.Fatalf("guest %s with guestsSeeCompanyCases %v: %+v", g, on, p)
			}
			w.principals = append(w.principals, p)
		}
	}
	// Temporary sessions: a grant for one case at some stages; the last one's window is not open.
	at := agreeAt
	for i := range 4 {
		from := at.Add(-time.Hour)
		if i == 3 {
			from = at.Add(time.Minute)
		}
		w.principals = append(w.principals, &access.Principal{Kind: access.KindTemporary, At: at, Temporary: &access.TemporaryAccess{
			CaseID: uuidFor("case", r.IntN(cases)), Stages: [][]string{{"A"}, {"B"}, {"A", "B"}}[r.IntN(3)],
			ValidFrom: from, ValidUntil: from.Add(2 * time.Hour)}})
	}
	procs := []string{"keeps", "forgets"}
	for _, proc := range procs {
		for _, who := range append(slices.Clone(w.users[:2]), w.groups[0]) {
			if r.IntN(3) == 0 {
				col := "user_id"
				if who == w.groups[0] {
					col = "group_id"
				}
				exec(`INSERT INTO procedure_grants (procedure, `+col+`, level) VALUES (?, ?, ?)`, proc, who, []int{1, 3}[r.IntN(2)])
			}
		}
	}
	for i := range cases {
		id := uuidFor("case", i)
		var position, client, project any
		if r.IntN(2) == 0 {
			position = w.positions[r.IntN(len(w.positions))]
		}
		switch r.IntN(6) {
		case 0, 1:
			client = w.clients[r.IntN(len(w.clients))]
		case 2:
			client = w.contacts[r.IntN(len(w.contacts))] // a contact as the client is no company's case
		}
		if r.IntN(3) > 0 {
			project = w.projects[r.IntN(len(w.projects))]
		}
		// Creation times repeat (40 minutes for the cases), so the lists' order falls back on the id.
		created := agreeAt.Add(-time.Duration(r.IntN(40)) * time.Minute)
		exec(`INSERT INTO cases (id, procedure, stage, title, creator_id, position_id, client_id, project_id, created_at) VALUES (?, ?, ?, 't', ?, ?, ?, ?, ?)`,
			id, procs[r.IntN(2)], []string{"A", "A", "B"}[r.IntN(3)], w.users[r.IntN(len(w.users))], position, client, project, created)
		for range r.IntN(3) {
			exec(`INSERT INTO case_tasks (case_id, user_id, stage, active) VALUES (?, ?, 'A', ?)`, id, w.users[r.IntN(len(w.users))], r.IntN(2) == 0)
		}
		if r.IntN(10) == 0 { // a guest holding a task (active or not)
			exec(`INSERT INTO case_tasks (case_id, user_id, stage, active) VALUES (?, ?, 'A', ?)`, id, w.guests[r.IntN(len(w.guests))], r.IntN(2) == 0)
		}
		for range r.IntN(3) {
			col, who := "user_id", w.users[r.IntN(len(w.users))]
			switch r.IntN(3) {
			case 1:
				col, who = "group_id", allGroups[r.IntN(len(allGroups))]
			case 2:
				col, who = "contact_id", w.contacts[r.IntN(len(w.contacts))]
			}
			exec(`INSERT INTO case_acl (case_id, `+col+`, level) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, who, 1+r.IntN(3))
		}
		if r.IntN(3) == 0 {
			if r.IntN(2) == 0 {
				exec(`INSERT INTO case_participants (case_id, user_id, role) VALUES (?, ?, 'AUDITOR') ON CONFLICT DO NOTHING`, id, w.users[r.IntN(len(w.users))])
			} else {
				exec(`INSERT INTO case_participants (case_id, contact_id, role) VALUES (?, ?, 'PARTICIPANT') ON CONFLICT DO NOTHING`, id, w.contacts[r.IntN(len(w.contacts))])
			}
		}
	}
	return w
}

// TestEngineAndSQLAgree checks the SQL list predicate against the engine: for random companies,
// every principal's readable cases by SQL are exactly those the engine grants READ.
func TestEngineAndSQLAgree(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			s := &Service{DB: db, Registry: testRegistry()}
			w := build(t, db, rand.New(rand.NewPCG(seed, 7)), 80)
			var all []*Case
			must(t, nil, db.NewSelect().Model(&all).Apply(withFacts).Scan(ctx))
			// Every employee works in a substitution for the next one, through a real session and
			// the principal query: it must carry exactly the substituted user's facts.
			substituted := map[*access.Principal]*access.Principal{}
			for i, a := range w.users {
				b := w.principals[(i+1)%len(w.users)]
				p := substtest.Principal(t, db, a, b.UserID, agreeAt)
				if err := substtest.SameFacts(p, b); err != nil {
					t.Fatalf("%s working as %s: %v", a, b.UserID, err)
				}
				substituted[p] = b
			}
			visible := map[*access.Principal][]string{}
			checked, keyed := 0, 0
			for _, p := range append(slices.Clone(w.principals), slices.Collect(maps.Keys(substituted))...) {
				var bySQL []*Case
				must(t, nil, db.NewSelect().Model(&bySQL).Apply(withFacts).Apply(access.VisibleCases(p, mustScope(t, s, db, p))).Scan(ctx))
				var sqlIDs, engineIDs []string
				for _, c := range bySQL {
					sqlIDs = append(sqlIDs, c.ID)
				}
				for _, c := range all {
					comp, err := s.compiled(ctx, db, p, s.Registry.Get(c.Procedure))
					must(t, nil, err)
					if access.RightsOn(p, c.Facts(), comp.Form).Right >= access.Read {
						engineIDs = append(engineIDs, c.ID)
					}
				}
				sort.Strings(sqlIDs)
				sort.Strings(engineIDs)
				if !slices.Equal(sqlIDs, engineIDs) {
					t.Fatalf("principal %+v: SQL sees %d cases, the engine %d\nSQL only: %v\nengine only: %v",
						p, len(sqlIDs), len(engineIDs), minus(sqlIDs, engineIDs), minus(engineIDs, sqlIDs))
				}
				checked += len(sqlIDs)
				visible[p] = sqlIDs
				agreeOnProjects(t, db, w, p, all, engineIDs)
				keyed += agreeOnPages(t, s, p, all)
				if n := listtest.Narrowed(p); n != nil {
					keyed += agreeOnPages(t, s, n, all)
				}
			}
			if checked == 0 {
				t.Fatal("no principal could read any case: the world is too sparse to test anything")
			}
			if keyed == 0 {
				t.Fatal("no principal's list took the keyed form (access.KeyedCases): it is not tested")
			}
			for p, b := range substituted {
				if !slices.Equal(visible[p], visible[b]) {
					t.Errorf("%s working as %s sees %d cases, %s itself %d\nonly the substitute: %v\nonly the substituted: %v",
						p.NativeUserID, b.UserID, len(visible[p]), b.UserID, len(visible[b]), minus(visible[p], visible[b]), minus(visible[b], visible[p]))
				}
			}
		})
	}
}

// agreeOnProjects checks the project predicate against the engine: p sees by SQL exactly the
// projects access.ProjectVisible grants, given the cases it reads (readable, by the engine).
func agreeOnProjects(t *testing.T, db *bun.DB, w *world, p *access.Principal, all []*Case, readable []string) {
	t.Helper()
	var bySQL []string
	must(t, nil, db.NewSelect().TableExpr("projects AS pj").Column("pj.id").Apply(access.VisibleProjects(p)).OrderExpr("pj.id").Scan(context.Background(), &bySQL))
	var byEngine []string
	for _, id := range w.projects {
		var counterparty string
		must(t, nil, db.NewSelect().TableExpr("projects").ColumnExpr("COALESCE(counterparty_id::text, '')").Where("id = ?", id).Scan(context.Background(), &counterparty))
		reads := slices.ContainsFunc(all, func(c *Case) bool {
			return c.ProjectID != nil && *c.ProjectID == id && slices.Contains(readable, c.ID)
		})
		if access.ProjectVisible(p, counterparty, reads) {
			byEngine = append(byEngine, id)
		}
	}
	sort.Strings(byEngine)
	if !slices.Equal(bySQL, byEngine) {
		t.Fatalf("principal %+v: SQL sees projects %v, the engine %v", p, bySQL, byEngine)
	}
}

// guestPrincipal opens an EXTERNAL session of the guest account userID and builds its principal
// with auth's principal query at at.
func guestPrincipal(t testing.TB, db bun.IDB, userID string, at time.Time) *access.Principal {
	t.Helper()
	_, hash := session.NewToken()
	s := &session.Session{TokenHash: hash, Kind: access.KindExternal, UserID: &userID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := session.Create(context.Background(), db, s); err != nil {
		t.Fatal(err)
	}
	a := &auth.Service{Clock: clockwork.NewFakeClockAt(at), Settings: &settings.Service{Defaults: settings.Settings{TimeZone: substtest.Zone}}}
	p, err := a.Reload(context.Background(), db, s.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != access.KindExternal || p.UserID != userID {
		t.Fatalf("the guest session of %s is %+v", userID, p)
	}
	return p
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func mustScope(t *testing.T, s *Service, db *bun.DB, p *access.Principal) access.CaseScope {
	t.Helper()
	sc, err := s.scope(context.Background(), db, p)
	must(t, nil, err)
	return sc
}
