package cases_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/procedures"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/scale"
)

// TestAudiencePlanUsesIndexes guards the plan of caseAudience (cmd/casegate-load -audience measures
// its time): on the scale company at 2 % size, for a case with a position, a client and ACL
// entries, the audience query must look its rules up by key — no sequential read of cases, of the
// ACL or of the group members (30,000 rows). Tables of a few hundred rows at full size (position
// rights, client grants) and the users (read whole when thousands are members) may be read through;
// the plan is logged. The SQL is captured from Audience.
func TestAudiencePlanUsesIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20,000 cases")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	_, rec, err := scale.PlanCompany(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := db.NewRaw(`SELECT id FROM cases WHERE position_id IS NOT NULL AND client_id IS NOT NULL
		AND jsonb_array_length(facts->'acl') > 1 ORDER BY id LIMIT 1`).Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	a := &auth.Service{DB: db}
	s := &cases.Service{DB: db, Registry: procedures.Registry, Auth: a}
	first := 50
	// Both ways of finding the page: sorting the members, and walking the employees in name order;
	// each runs the count first.
	var queries []string
	ratio := audience.WalkRatio
	defer func() { audience.WalkRatio = ratio }()
	for _, r := range []float64{math.Inf(1), 0} {
		audience.WalkRatio = r
		rec.Take()
		if _, err := cases.AudienceAt(ctx, s, access.System(), id, audience.Filter{}, relay.Args{First: &first}); err != nil {
			t.Fatal(err)
		}
		for _, q := range rec.Take() {
			if strings.Contains(q, "'INTERNAL' AS kind") {
				queries = append(queries, q)
			}
		}
	}
	if len(queries) != 4 {
		t.Fatalf("Audience ran %d audience statements, want 4 (count and sort, count and walk)", len(queries))
	}
	for _, query := range queries {
		explain(t, ctx, db, query)
	}
}

// explain checks that query reads none of the big tables sequentially.
func explain(t *testing.T, ctx context.Context, db bun.IDB, query string) {
	t.Helper()
	plan, err := scale.Explain(ctx, db, query)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cost %.0f: %s", plan.TotalCost, strings.Join(plan.Scans(), ", "))
	for _, rel := range plan.SeqScans() {
		if slices.Contains([]string{"cases", "case_acl", "group_members", "case_tasks", "documents"}, rel) {
			t.Errorf("the audience reads %s sequentially; scans: %s\n%s", rel, strings.Join(plan.Scans(), ", "), query)
		}
	}
}
