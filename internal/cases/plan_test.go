package cases_test

// An external test package: internal/scale generates form values from internal/procedures, which
// imports this package, so package cases itself cannot import it. TestMain (dbtest.Run) is the
// internal package's, in agree_test.go; the test binary is one.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/procedures"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/scale"
	"github.com/casegate/casegate/internal/scale/scaletest"
)

// TestListPlansUseIndexes guards the plan shape of the case list (cmd/casegate-load measures its
// time): on the scale company at 2 % size (20,000 cases, the full 10,000 users, groups, positions
// and clients, so each principal reads the same share of cases as at full size), analyzed, the
// query List builds for each of the five principals — first page and a page after a cursor in the
// middle of the timeline — must not read cases sequentially. The SQL is captured from List itself
// with a query hook, so the test follows the service when it changes.
func TestListPlansUseIndexes(t *testing.T) {
	db, m, rec := scaletest.PlanCompany(t)
	ctx := context.Background()
	s := &cases.Service{DB: db, Registry: procedures.Registry}
	principals := &auth.Service{DB: db}
	first := 50
	middle := relay.Encode(scale.Small().End.AddDate(-1, -6, 0).Truncate(time.Microsecond), "ffffffff-ffff-ffff-ffff-ffffffffffff")
	for _, pr := range m.Principals {
		p, err := principals.PrincipalFor(ctx, pr.UserID)
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct {
			name string
			args relay.Args
		}{{"first page", relay.Args{First: &first}}, {"after a cursor", relay.Args{First: &first, After: &middle}}} {
			rec.Take()
			if _, err := s.List(ctx, p, cases.Filter{}, page.args); err != nil {
				t.Fatalf("%s, %s: %v", pr.Kind, page.name, err)
			}
			query := listQuery(t, rec.Take(), `FROM "cases" AS "c"`)
			plan, err := scale.Explain(ctx, db, query)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-11s %-14s cost %.0f: %s", pr.Kind, page.name, plan.TotalCost, strings.Join(plan.Scans(), ", "))
			for _, rel := range plan.SeqScans() {
				if rel == "cases" {
					t.Errorf("%s (%s), %s: the case list reads cases sequentially; scans: %s\n%s",
						pr.Kind, pr.Email, page.name, strings.Join(plan.Scans(), ", "), query)
				}
			}
		}
	}
}

// listQuery picks the list query out of what one List call ran (it also reads the procedures'
// settings and grants).
func listQuery(t *testing.T, queries []string, from string) string {
	t.Helper()
	for _, q := range queries {
		if strings.HasPrefix(q, "SELECT") && strings.Contains(q, from) && strings.Contains(q, "LIMIT") {
			return q
		}
	}
	t.Fatalf("no list query among %d recorded: %q", len(queries), queries)
	return ""
}

// TestCasePlanUsesIndexes guards the plan of case(id) (the load command's case read): on the same
// company, the case with the users it names must be read by key, not by a scan of cases or of the
// 10,000 users.
func TestCasePlanUsesIndexes(t *testing.T) {
	db, _, _ := scaletest.PlanCompany(t)
	ctx := context.Background()
	var id string
	if err := db.NewRaw(`SELECT id FROM cases WHERE jsonb_array_length(facts->'people') > 1 ORDER BY id LIMIT 1`).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	query := cases.CaseSQL("'" + id + "'::uuid")
	plan, err := scale.Explain(ctx, db, query)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cost %.0f: %s", plan.TotalCost, strings.Join(plan.Scans(), ", "))
	if seq := plan.SeqScans(); len(seq) > 0 {
		t.Errorf("case(id) reads %s sequentially; scans: %s\n%s", strings.Join(seq, ", "), strings.Join(plan.Scans(), ", "), query)
	}
}
