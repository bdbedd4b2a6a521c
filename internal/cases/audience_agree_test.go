package cases

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/substtest"
)

// TestAudienceAgrees checks the audience of a case against the lists and the engine: for random
// companies, and for every case, the employees and guest accounts in its audience are exactly those
// whose case list (access.VisibleCases) holds it, the contacts without an account and the temporary
// grants exactly those the engine lets read it, each with the engine's right and rules; and paging
// through the audience a few members at a time gives every member once, in order, totalCount in all.
// Substitutes are not members: a substitute reads what the substituted user reads, and
// TestEngineAndSQLAgree checks that its list is the substituted user's.
func TestAudienceAgrees(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := dbtest.New(t)
			ctx := context.Background()
			s := &Service{DB: db, Registry: testRegistry(),
				Auth: &auth.Service{DB: db, Settings: &settings.Service{Defaults: settings.Settings{TimeZone: substtest.Zone}}}}
			w := build(t, db, rand.New(rand.NewPCG(seed, 11)), 60)
			// The temporary principals' grants, stored, so that the audience can find them.
			var temporary []*access.Principal
			for i, p := range w.principals {
				if p.Kind != access.KindTemporary {
					continue
				}
				id := uuidFor("tgrant", i)
				p.Temporary.GrantID, p.GrantID = id, id
				_, err := db.ExecContext(ctx, `INSERT INTO temporary_access_grants (id, case_id, email, login_method, stages, link_hash, valid_from, valid_until)
					VALUES (?, ?, ?, 'EMAIL_CODE', ?, ?, ?, ?)`, id, p.Temporary.CaseID, fmt.Sprintf("t%d@x.test", i),
					pgStrings(p.Temporary.Stages), []byte(id), p.Temporary.ValidFrom, p.Temporary.ValidUntil)
				must(t, nil, err)
				temporary = append(temporary, p)
			}
			var all []*Case
			must(t, nil, db.NewSelect().Model(&all).Apply(withFacts).Scan(ctx))
			members := 0
			for _, on := range []bool{true, false} {
				_, err := db.ExecContext(ctx, `UPDATE settings SET value = ?::jsonb WHERE key = 'guestsSeeCompanyCases'`, fmt.Sprint(on))
				must(t, nil, err)
				// Who logs in: the employees, the guest accounts as built with this setting, the
				// contacts without an account (as bare contacts), the temporary grants.
				var people []*access.Principal
				for _, p := range w.principals {
					switch {
					case p.Kind == access.KindInternal:
						people = append(people, p)
					case p.Kind == access.KindExternal && p.UserID != "" && p.CompanyCases == on:
						people = append(people, p)
					case p.Kind == access.KindExternal && p.UserID == "" && p.ContactID == w.contacts[len(w.contacts)-1]:
						people = append(people, p)
					}
				}
				people = append(people, temporary...)
				lists := map[*access.Principal][]string{}
				for _, p := range people {
					if p.Kind == access.KindTemporary {
						continue
					}
					var ids []string
					must(t, nil, db.NewSelect().TableExpr("cases AS c").Column("c.id").Apply(access.VisibleCases(p, mustScope(t, s, db, p))).Scan(ctx, &ids))
					lists[p] = ids
				}
				for _, c := range all {
					comp, err := s.compiled(ctx, db, nil, s.Registry.Get(c.Procedure))
					must(t, nil, err)
					want := map[string]string{} // member id → "RIGHT rules"
					for _, p := range people {
						r := access.RightsOn(p, c.Facts(), comp.Form)
						if p.Kind != access.KindTemporary && slices.Contains(lists[p], c.ID) != (r.Right >= access.Read) {
							t.Fatalf("case %s, %+v: the list and the engine disagree", c.ID, p)
						}
						if r.Right < access.Read {
							continue
						}
						id := p.UserID
						if id == "" {
							id = p.ContactID
						}
						if p.Kind == access.KindTemporary {
							id = p.GrantID
						}
						rules := slices.Clone(r.GrantedBy)
						sort.Strings(rules)
						want[id] = fmt.Sprint(r.Right, rules)
					}
					got := walkAudience(t, s, c.ID, 3, false, audience.Filter{})
					members += len(got)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("case %s (guestsSeeCompanyCases %v): audience\n%v\nthe lists and the engine\n%v", c.ID, on, got, want)
					}
					// The same pages when the employees are walked in name order instead of sorted.
					if walked := walkAudience(t, s, c.ID, 3, true, audience.Filter{}); fmt.Sprint(walked) != fmt.Sprint(got) {
						t.Fatalf("case %s: walking the employees gives\n%v\nsorting gives\n%v", c.ID, walked, got)
					}
					// And with each filter (with one setting, for time): the walk applies it per
					// employee, the sort per member.
					filters := agreeFilters
					if on {
						filters = nil
					}
					for _, f := range filters {
						sorted, walked := walkAudience(t, s, c.ID, 2, false, f), walkAudience(t, s, c.ID, 2, true, f)
						if fmt.Sprint(walked) != fmt.Sprint(sorted) {
							t.Fatalf("case %s, filter %+v: walking the employees gives\n%v\nsorting gives\n%v", c.ID, f, walked, sorted)
						}
					}
				}
			}
			if members == 0 {
				t.Fatal("no case had any member: the world is too sparse to test anything")
			}
		})
	}
}

// agreeFilters are filters of every kind, alone and together, for comparing the two ways List
// finds a page.
var agreeFilters = func() []audience.Filter {
	internal, write, manage := access.KindInternal, access.Write, access.Manage
	return []audience.Filter{
		{Rule: access.RuleCaseACL}, {Rule: access.RuleAdmin}, {Right: &write}, {Kind: &internal},
		{Search: "a"}, {Rule: access.RuleProcedure, Right: &manage}, {Kind: &internal, Search: "e", Right: &write},
	}
}()

// walkAudience pages through a case's audience size members at a time, as the system user, and
// returns each member's right and sorted rules by its id, checking order, uniqueness and totalCount.
func walkAudience(t *testing.T, s *Service, caseID string, size int, walk bool, f audience.Filter) map[string]string {
	t.Helper()
	ratio := audience.WalkRatio
	defer func() { audience.WalkRatio = ratio }()
	audience.WalkRatio = math.Inf(1)
	if walk {
		audience.WalkRatio = 0
	}
	out := map[string]string{}
	var after *string
	var last []any
	total := -1
	for range 1000 {
		page, err := s.audienceAt(context.Background(), access.System(), caseID, "", f, relay.Args{First: &size, After: after}, agreeAt)
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && page.Total != total {
			t.Fatalf("case %s: totalCount changed from %d to %d between pages", caseID, total, page.Total)
		}
		total = page.Total
		for _, e := range page.Edges {
			m := e.Node
			key := []any{m.Rank, m.Name, m.ID}
			if last != nil && !less(last, key) {
				t.Fatalf("case %s: member %v after %v", caseID, key, last)
			}
			last = key
			if _, dup := out[m.ID]; dup {
				t.Fatalf("case %s: member %s twice", caseID, m.ID)
			}
			rules := m.Rules()
			sort.Strings(rules)
			rules = slices.Compact(rules)
			out[m.ID] = fmt.Sprint(m.Right, rules)
		}
		if !page.HasNext {
			if len(out) != total {
				t.Fatalf("case %s: %d members paged, totalCount %d", caseID, len(out), total)
			}
			return out
		}
		after = page.EndCursor
	}
	t.Fatal("the audience does not end")
	return nil
}

func less(a, b []any) bool {
	if a[0].(int) != b[0].(int) {
		return a[0].(int) < b[0].(int)
	}
	if a[1].(string) != b[1].(string) {
		return collateLess(a[1].(string), b[1].(string))
	}
	return a[2].(string) < b[2].(string)
}

// collateLess compares names as the test database's collation does for the names the worlds use
// (ASCII letters and digits, where C order and every common collation agree).
func collateLess(a, b string) bool { return a < b }

func pgStrings(s []string) any { return pgdialect.Array(s) }
