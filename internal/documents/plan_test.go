package documents

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/scale"
	"github.com/casegate/casegate/internal/scale/scaletest"
)

// TestListPlansUseIndexes guards the plan shape of the document list (cmd/casegate-load measures
// its time): on the scale company at 2 % size (40,000 documents, the full 10,000 users, groups,
// positions and clients), analyzed, the query List builds for each of the five principals — first
// page and a page after a cursor in the middle of the timeline — must not read documents
// sequentially. The SQL is captured from List itself with a query hook.
func TestListPlansUseIndexes(t *testing.T) {
	db, m, rec := scaletest.PlanCompany(t)
	ctx := context.Background()
	s := &Service{DB: db}
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
			if _, err := s.List(ctx, p, Filter{}, page.args); err != nil {
				t.Fatalf("%s, %s: %v", pr.Kind, page.name, err)
			}
			query := listQuery(t, rec.Take())
			plan, err := scale.Explain(ctx, db, query)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-11s %-14s cost %.0f: %s", pr.Kind, page.name, plan.TotalCost, strings.Join(plan.Scans(), ", "))
			for _, rel := range plan.SeqScans() {
				if rel == "documents" {
					t.Errorf("%s (%s), %s: the document list reads documents sequentially; scans: %s\n%s",
						pr.Kind, pr.Email, page.name, strings.Join(plan.Scans(), ", "), query)
				}
			}
		}
	}
}

// listQuery picks the list query out of what one List call ran.
func listQuery(t *testing.T, queries []string) string {
	t.Helper()
	for _, q := range queries {
		if strings.HasPrefix(q, "SELECT") && strings.Contains(q, `FROM "documents" AS "d"`) && strings.Contains(q, "LIMIT") {
			return q
		}
	}
	t.Fatalf("no list query among %d recorded: %q", len(queries), queries)
	return ""
}
