package documents

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/listtest"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/substtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

var id = dbtest.ID

// TestDocumentEngineAndSQLAgree: for random companies, every principal's readable documents by SQL
// (access.VisibleDocuments) are exactly those the engine (access.DocumentRightsOn) lets it read.
func TestDocumentEngineAndSQLAgree(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(seed, 11))
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			var users, groups, positions, paths, clients, casesIDs []string
			for i := range 6 {
				users = append(users, id("user", i))
				exec(`INSERT INTO users (id, email, name) VALUES (?, ?, 'U')`, users[i], fmt.Sprintf("u%d@x.test", i))
			}
			for i := range 3 {
				groups = append(groups, id("grp", i))
				exec(`INSERT INTO groups (id, name) VALUES (?, ?)`, groups[i], fmt.Sprintf("G%d", i))
			}
			allGroups := append(slices.Clone(groups), access.ClientDataGroupID)
			for i := range 4 {
				pid, path, parent := id("pos", i), "/"+id("pos", i)+"/", any(nil)
				if i > 0 {
					p := r.IntN(i)
					path, parent = paths[p]+pid+"/", positions[p]
				}
				positions, paths = append(positions, pid), append(paths, path)
				exec(`INSERT INTO positions (id, parent_id, name, path) VALUES (?, ?, 'P', ?)`, pid, parent, path)
			}
			var contacts []string
			for i := range 3 {
				clients = append(clients, id("client", i))
				exec(`INSERT INTO clients (id, kind, name) VALUES (?, 'COMPANY', 'C')`, clients[i])
				contacts = append(contacts, id("contact", i))
				exec(`INSERT INTO clients (id, kind, name, company_id) VALUES (?, 'CONTACT', 'K', ?)`, contacts[i], clients[i])
			}
			for i := range 8 {
				casesIDs = append(casesIDs, id("case", i))
				exec(`INSERT INTO cases (id, procedure, stage, title) VALUES (?, 'p', 'A', 't')`, casesIDs[i])
				for range r.IntN(3) {
					col, who := "user_id", users[r.IntN(len(users))]
					switch r.IntN(3) {
					case 1:
						col, who = "group_id", allGroups[r.IntN(len(allGroups))]
					case 2:
						col, who = "contact_id", contacts[r.IntN(len(contacts))]
					}
					exec(`INSERT INTO case_acl (case_id, `+col+`, level, all_documents) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
						casesIDs[i], who, 1+r.IntN(3), r.IntN(2) == 0)
				}
			}
			var principals []*access.Principal
			for _, u := range users {
				p := &access.Principal{Kind: access.KindInternal, UserID: u, NativeUserID: u}
				for _, g := range allGroups {
					if r.IntN(3) == 0 {
						p.Groups = append(p.Groups, g)
						exec(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, g, u)
					}
				}
				for i, pos := range positions {
					if r.IntN(2) == 0 {
						sub := r.IntN(2) == 0
						p.PositionRights = append(p.PositionRights, access.PositionRight{PositionID: pos, Path: paths[i], IncludeSubtree: sub})
						exec(`INSERT INTO position_rights (position_id, user_id, include_subtree) VALUES (?, ?, ?)`, pos, u, sub)
					}
				}
				for _, cl := range clients {
					if r.IntN(5) == 0 {
						p.ClientGrants = append(p.ClientGrants, cl)
						exec(`INSERT INTO client_grants (client_id, user_id) VALUES (?, ?)`, cl, u)
					}
				}
				principals = append(principals, p)
			}
			// Guests: a contact's principal, with guestsSeeCompanyCases off and on (documents do not
			// follow it), and one whose contact is none of the cases'.
			var guests []*access.Principal
			for i, c := range contacts {
				guests = append(guests, &access.Principal{Kind: access.KindExternal, UserID: id("guest", i), ContactID: c, CompanyID: clients[i], CompanyCases: i == 0})
			}
			guests = append(guests, &access.Principal{Kind: access.KindExternal, UserID: id("guest", 9), ContactID: id("contact", 9)})
			for i := range 300 {
				did := id("doc", i)
				var caseID, pos, client any
				if r.IntN(2) == 0 {
					caseID = casesIDs[r.IntN(len(casesIDs))]
				}
				if r.IntN(2) == 0 {
					pos = positions[r.IntN(len(positions))]
				}
				if r.IntN(3) == 0 {
					client = clients[r.IntN(len(clients))]
				}
				// Creation times repeat (100 minutes for 300 documents), so the list's order falls back on the id.
				created := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).Add(-time.Duration(r.IntN(100)) * time.Minute)
				exec(`INSERT INTO documents (id, case_id, author_id, title, confidential, position_id, client_id, created_at) VALUES (?, ?, ?, 'd', ?, ?, ?, ?)`,
					did, caseID, users[r.IntN(len(users))], r.IntN(5) == 0, pos, client, created)
				for range r.IntN(3) {
					col, who := "user_id", users[r.IntN(len(users))]
					if r.IntN(2) == 0 {
						col, who = "group_id", allGroups[r.IntN(len(allGroups))]
					}
					exec(`INSERT INTO document_acl (document_id, `+col+`, level) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, did, who, r.IntN(4))
				}
				if r.IntN(4) == 0 {
					u := users[r.IntN(len(users))]
					exec(`INSERT INTO document_tasks (document_id, user_id, active) VALUES (?, ?, ?)`, did, u, r.IntN(2) == 0)
					if r.IntN(3) == 0 { // a second task of the same user on the document
						exec(`INSERT INTO document_tasks (document_id, user_id, active) VALUES (?, ?, true)`, did, u)
					}
				}
			}
			// A user whose only rule is its tasks, two on each of a dozen documents: the task
			// rule's stream names each document twice.
			tasker := id("user", 6)
			exec(`INSERT INTO users (id, email, name) VALUES (?, 'tasker@x.test', 'T')`, tasker)
			for i := range 12 {
				for range 2 {
					exec(`INSERT INTO document_tasks (document_id, user_id, active) VALUES (?, ?, true)`, id("doc", i*7), tasker)
				}
			}
			principals = append(principals, &access.Principal{Kind: access.KindInternal, UserID: tasker, NativeUserID: tasker})
			var all []*Document
			if err := db.NewSelect().Model(&all).Apply(withFacts).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			// Every employee works in a substitution for the next one, through a real session and
			// the principal query: it must carry exactly the substituted user's facts.
			substituted := map[*access.Principal]*access.Principal{}
			for i, a := range users {
				b := principals[(i+1)%len(users)]
				p := substtest.Principal(t, db, a, b.UserID, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
				if err := substtest.SameFacts(p, b); err != nil {
					t.Fatalf("%s working as %s: %v", a, b.UserID, err)
				}
				substituted[p] = b
			}
			visible := map[*access.Principal][]string{}
			checked, keyed := 0, 0
			s := &Service{DB: db}
			for _, p := range append(append(slices.Clone(principals), guests...), slices.Collect(maps.Keys(substituted))...) {
				var bySQL []*Document
				if err := db.NewSelect().Model(&bySQL).Apply(withFacts).Apply(access.VisibleDocuments(p)).Scan(ctx); err != nil {
					t.Fatal(err)
				}
				var sqlIDs, engineIDs []string
				for _, d := range bySQL {
					sqlIDs = append(sqlIDs, d.ID)
				}
				for _, d := range all {
					if access.DocumentRightsOn(p, d.Facts()).Right >= access.Read {
						engineIDs = append(engineIDs, d.ID)
					}
				}
				sort.Strings(sqlIDs)
				sort.Strings(engineIDs)
				if !slices.Equal(sqlIDs, engineIDs) {
					t.Fatalf("principal %s (native %s): SQL %d documents, engine %d", p.UserID, p.NativeUserID, len(sqlIDs), len(engineIDs))
				}
				checked += len(sqlIDs)
				visible[p] = sqlIDs
				keyed += agreeOnPages(t, s, p, all)
				if n := listtest.Narrowed(p); n != nil {
					keyed += agreeOnPages(t, s, n, all)
				}
			}
			if checked == 0 {
				t.Fatal("nobody could read anything: the world is too sparse")
			}
			if keyed == 0 {
				t.Fatal("no principal's list took the keyed form (access.KeyedDocuments): it is not tested")
			}
			guestsRead := 0
			for _, g := range guests {
				guestsRead += len(visible[g])
			}
			if guestsRead == 0 {
				t.Fatal("no guest could read a document: the world is too sparse")
			}
			for p, b := range substituted {
				if !slices.Equal(visible[p], visible[b]) {
					t.Errorf("%s working as %s sees %d documents, %s itself %d", p.NativeUserID, b.UserID, len(visible[p]), b.UserID, len(visible[b]))
				}
			}
			// The audience of every document: the employees whose list holds it, and the contacts
			// (no guest account here) whose principal the engine lets read it, with the engine's
			// right and rules.
			s.Cases = &cases.Service{Auth: &auth.Service{DB: db, Settings: &settings.Service{Defaults: settings.Settings{TimeZone: substtest.Zone}}}}
			members := 0
			for _, d := range all {
				want := map[string]string{}
				for _, p := range append(slices.Clone(principals), guests...) {
					r := access.DocumentRightsOn(p, d.Facts())
					if slices.Contains(visible[p], d.ID) != (r.Right >= access.Read) {
						t.Fatalf("document %s, %+v: the list and the engine disagree", d.ID, p)
					}
					if r.Right < access.Read {
						continue
					}
					id := p.UserID
					if p.Kind == access.KindExternal {
						id = p.ContactID
					}
					rules := slices.Clone(r.GrantedBy)
					sort.Strings(rules)
					want[id] = fmt.Sprint(r.Right, rules)
				}
				got := walkAudience(t, s, d.ID, 4, false, audience.Filter{})
				members += len(got)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("document %s: audience\n%v\nthe lists and the engine\n%v", d.ID, got, want)
				}
				// The same pages when the employees are walked in name order instead of sorted.
				if walked := walkAudience(t, s, d.ID, 4, true, audience.Filter{}); fmt.Sprint(walked) != fmt.Sprint(got) {
					t.Fatalf("document %s: walking the employees gives\n%v\nsorting gives\n%v", d.ID, walked, got)
				}
			}
			if members == 0 {
				t.Fatal("no document had any member")
			}
		})
	}
}

// walkAudience pages through a document's audience size members at a time, as the system user,
// and returns each member's right and sorted rules by its id, checking that no member comes twice
// and that the pages add up to totalCount.
func walkAudience(t *testing.T, s *Service, documentID string, size int, walk bool, f audience.Filter) map[string]string {
	t.Helper()
	ratio := audience.WalkRatio
	defer func() { audience.WalkRatio = ratio }()
	audience.WalkRatio = math.Inf(1)
	if walk {
		audience.WalkRatio = 0
	}
	out := map[string]string{}
	var after *string
	for range 1000 {
		page, err := s.audienceAt(context.Background(), access.System(), documentID, f, relay.Args{First: &size, After: after},
			time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Edges {
			m := e.Node
			if _, dup := out[m.ID]; dup {
				t.Fatalf("document %s: member %s twice", documentID, m.ID)
			}
			rules := m.Rules()
			sort.Strings(rules)
			out[m.ID] = fmt.Sprint(m.Right, slices.Compact(rules))
		}
		if !page.HasNext {
			if len(out) != page.Total {
				t.Fatalf("document %s: %d members paged, totalCount %d", documentID, len(out), page.Total)
			}
			return out
		}
		after = page.EndCursor
	}
	t.Fatal("the audience does not end")
	return nil
}
