package substitution_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/substitution"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

var uuidFor = dbtest.ID

func execer(t *testing.T, db bun.IDB) func(string, ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestManageableSubstitutionsAgree checks ManageableSubstitutions (SQL) against ManageSubstitution
// (Go) on random manager trees: for every principal, the substitutions the query returns are
// exactly those the decision lets it manage, given the substituted user's manager chain as
// computed here from the tree (not by the service's query).
func TestManageableSubstitutionsAgree(t *testing.T) {
	perms := []access.Permission{access.PermManageSubstitutionsOwn, access.PermManageSubstitutionsSubordinates,
		access.PermManageSubstitutionsAll, access.PermAdmin, access.PermViewAudit}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(seed, 13))
			exec := execer(t, db)
			const n = 14
			users := make([]string, n)
			manager := map[string]string{}
			for i := range users {
				users[i] = uuidFor("user", i)
				exec(`INSERT INTO users (id, email, name) VALUES (?, ?, 'U')`, users[i], fmt.Sprintf("u%d@x.test", i))
			}
			// 0 ← 1 ← 2 ← 3 is a chain of depth 3; users 4..11 hang anywhere (or nowhere) above
			// them; 12 and 13 manage each other, a loop the data allows though no service writes it.
			for i := 1; i < 12; i++ {
				m := i - 1
				if i > 3 {
					m = r.IntN(i + 1)
				}
				if m == i {
					continue // no manager
				}
				manager[users[i]] = users[m]
			}
			manager[users[12]], manager[users[13]] = users[13], users[12]
			for u, m := range manager {
				exec(`UPDATE users SET manager_id = ? WHERE id = ?`, m, u)
			}
			chain := func(u string) []string {
				var out []string
				for m, ok := manager[u]; ok && !slices.Contains(out, m); m, ok = manager[m] {
					out = append(out, m)
				}
				return out
			}
			var subs []string
			for range 60 {
				a, b := r.IntN(n), r.IntN(n-1)
				if b >= a {
					b++
				}
				var id string
				if err := db.NewRaw(`INSERT INTO substitutions (substituted_id, substitute_id, date_from, date_to, active, created_at, updated_at)
					VALUES (?, ?, '2026-12-01', '2026-12-03', ?, now(), now()) RETURNING id`, users[a], users[b], r.IntN(4) > 0).Scan(ctx, &id); err != nil {
					t.Fatal(err)
				}
				subs = append(subs, id)
			}
			var all []substitution.Substitution
			if err := db.NewSelect().Model(&all).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			var principals []*access.Principal
			for i, u := range users {
				for k := range 4 {
					p := &access.Principal{Kind: access.KindInternal, UserID: u, NativeUserID: u, SessionID: "s"}
					for _, perm := range perms {
						if r.IntN(3) == 0 {
							p.Permissions = append(p.Permissions, perm)
						}
					}
					if k == 0 { // one principal a user with SUBORDINATES alone, the rule with the most to get wrong
						p.Permissions = []access.Permission{access.PermManageSubstitutionsSubordinates}
					}
					if k == 1 { // and one working in a substitution for the next user
						p.NativeUserID, p.SubstitutionID = users[(i+1)%n], subs[0]
					}
					principals = append(principals, p)
				}
			}
			principals = append(principals, access.System(), nil,
				&access.Principal{Kind: access.KindExternal, UserID: users[0], ContactID: "c", Permissions: perms},
				&access.Principal{Kind: access.KindTemporary, GrantID: "g", Permissions: perms})
			bySubordinate := 0
			for _, p := range principals {
				var sqlIDs, goIDs []string
				if err := db.NewSelect().Model((*substitution.Substitution)(nil)).Column("sb.id").
					Apply(access.ManageableSubstitutions(p)).Scan(ctx, &sqlIDs); err != nil {
					t.Fatal(err)
				}
				for _, sb := range all {
					d := access.ManageSubstitution(p, sb.SubstitutedID, chain(sb.SubstitutedID))
					if d.Allowed {
						goIDs = append(goIDs, sb.ID)
					}
					if d.Rule == access.RuleSubstitutionSubordinates && !slices.Contains(chain(sb.SubstitutedID)[:1], p.UserID) {
						bySubordinate++ // reached through a manager above the nearest
					}
				}
				sort.Strings(sqlIDs)
				sort.Strings(goIDs)
				if !slices.Equal(sqlIDs, goIDs) {
					t.Fatalf("principal %+v: SQL manages %d substitutions, Go %d\nSQL only: %v\nGo only: %v",
						p, len(sqlIDs), len(goIDs), minus(sqlIDs, goIDs), minus(goIDs, sqlIDs))
				}
			}
			if bySubordinate == 0 {
				t.Fatal("no substitution was managed from more than one level above: the tree is too flat to test anything")
			}
		})
	}
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

// TestSubstitutionInForceAgrees checks SubstitutionInForceSQL against SubstitutionInForce: random
// substitutions between users of every status (and the system user), with and without expired
// profiles, around the daylight-saving changes of Europe/Warsaw, America/New_York and
// America/Santiago (whose clocks skip midnight), at every
// first and last second of their periods and of the substituted users' profiles in each zone, and
// at random times, with the setting substitutionForExpiredProfiles on and off.
func TestSubstitutionInForceAgrees(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(seed, 17))
			exec := execer(t, db)
			// The zones change their clocks in these windows: Warsaw on 29 March and 25 October
			// 2026, New York on 8 March and 1 November, Santiago on 5 April and 6 September, the
			// latter at midnight (6 September begins at 01:00).
			windows := []time.Time{time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 21, 0, 0, 0, 0, time.UTC),
				time.Date(2026, 8, 25, 0, 0, 0, 0, time.UTC)}
			someDay := func() time.Time {
				return windows[r.IntN(len(windows))].AddDate(0, 0, r.IntN(28))
			}
			type user struct {
				id        string
				active    bool
				expiresOn *time.Time
			}
			users := []user{{id: access.SystemUserID}} // ACTIVE, but the system user
			for i := range 12 {
				u := user{id: uuidFor("user", i), active: true}
				status := "ACTIVE"
				if i%4 == 3 {
					status, u.active = []string{"DEACTIVATED", "BLOCKED"}[r.IntN(2)], false
				}
				if r.IntN(2) == 0 {
					d := someDay()
					u.expiresOn = &d
				}
				exec(`INSERT INTO users (id, email, name, status, profile_expires_on) VALUES (?, ?, 'U', ?, ?)`,
					u.id, fmt.Sprintf("u%d@x.test", i), status, u.expiresOn)
				users = append(users, u)
			}
			type row struct {
				id    string
				facts access.SubstitutionFacts
			}
			var rows []row
			for range 80 {
				a, b := r.IntN(len(users)), r.IntN(len(users)-1)
				if b >= a {
					b++
				}
				from := someDay()
				to := from.AddDate(0, 0, r.IntN(4))
				if r.IntN(6) == 0 {
					to = from.AddDate(0, 0, 20+r.IntN(200)) // across both windows
				}
				sb := row{facts: access.SubstitutionFacts{Active: r.IntN(5) > 0, DateFrom: from, DateTo: to,
					SubstitutedActive: users[a].active && users[a].id != access.SystemUserID, SubstitutedProfileExpiresOn: users[a].expiresOn,
					SubstituteActive: users[b].active && users[b].id != access.SystemUserID}}
				if err := db.NewRaw(`INSERT INTO substitutions (substituted_id, substitute_id, date_from, date_to, active, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, now(), now()) RETURNING id`, users[a].id, users[b].id, from.Format(time.DateOnly), to.Format(time.DateOnly),
					sb.facts.Active).Scan(ctx, &sb.id); err != nil {
					t.Fatal(err)
				}
				rows = append(rows, sb)
			}
			rules := map[string]int{}
			for _, zone := range []string{"Europe/Warsaw", "America/New_York", "America/Santiago", "UTC"} {
				loc, err := time.LoadLocation(zone)
				if err != nil {
					t.Fatal(err)
				}
				// Every first and last second of a period or a profile, one second either side,
				// and random times.
				seen := map[time.Time]bool{}
				var times []time.Time
				add := func(at time.Time) {
					for _, x := range []time.Time{at.Add(-time.Second), at} {
						if !seen[x] {
							seen[x] = true
							times = append(times, x)
						}
					}
				}
				for _, sb := range rows {
					start, end := sb.facts.Period(loc)
					add(start)
					add(end)
					if e := sb.facts.SubstitutedProfileExpiresOn; e != nil {
						add(access.DayEnd(*e, loc))
					}
				}
				for range 40 {
					add(someDay().Add(time.Duration(r.IntN(24*3600)) * time.Second))
				}
				texts := make([]string, len(times))
				for i, at := range times {
					texts[i] = at.Format(time.RFC3339)
				}
				for _, expired := range []bool{false, true} {
					var found []struct {
						I  int    `bun:"i"`
						ID string `bun:"id"`
					}
					if err := db.NewRaw(`SELECT t.i, sb.id FROM unnest(?0::timestamptz[]) WITH ORDINALITY t(at, i)
						JOIN substitutions sb ON true
						JOIN users su ON su.id = sb.substituted_id
						JOIN users ss ON ss.id = sb.substitute_id
						WHERE `+access.SubstitutionInForceSQL("t.at", "?1", "?2::boolean"),
						"{"+strings.Join(texts, ",")+"}", zone, expired).Scan(ctx, &found); err != nil {
						t.Fatal(err)
					}
					bySQL := map[string]bool{}
					for _, f := range found {
						bySQL[fmt.Sprint(f.I-1, f.ID)] = true
					}
					for i, at := range times {
						for _, sb := range rows {
							d := access.SubstitutionInForce(sb.facts, at, loc, expired)
							rules[d.Rule]++
							if sql := bySQL[fmt.Sprint(i, sb.id)]; sql != d.Allowed {
								start, end := sb.facts.Period(loc)
								t.Fatalf("%s, at %s (%s), expired profiles %v: SQL in force %v, Go %+v\nfacts %+v\nperiod [%s, %s)",
									zone, at.Format(time.RFC3339), at.In(loc), expired, sql, d, sb.facts, start, end)
							}
						}
					}
				}
			}
			for _, rule := range []string{access.RuleSubstitutionInForce, access.RuleSubstitutionInactive, access.RuleSubstitutionNotStarted,
				access.RuleSubstitutionEnded, access.RuleSubstituteUnavailable, access.RuleSubstitutedUnavailable} {
				if rules[rule] == 0 {
					t.Errorf("no case ended in %s: the world is too narrow", rule)
				}
			}
		})
	}
}
