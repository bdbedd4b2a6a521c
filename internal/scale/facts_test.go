package scale_test

import (
	"context"
	"os"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/scale"
	"github.com/casegate/casegate/internal/scale/scaletest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

// The generator loads people without triggers (or with one refresh per statement), so it refreshes
// the facts kept on users at the end: every user's groups, position rights and client grants must
// be what their rows say, and the load must have made some of each.
func TestGeneratedUsersHoldTheirFacts(t *testing.T) {
	db, _, _ := scaletest.PlanCompany(t)
	ctx := context.Background()
	var r struct {
		Wrong, Groups, Rights, Clients int
	}
	if err := db.NewRaw(`SELECT
		count(*) FILTER (WHERE u.fact_groups IS DISTINCT FROM
			ARRAY(SELECT gm.group_id::text FROM group_members gm WHERE gm.user_id = u.id ORDER BY 1)
		  OR u.fact_client_grants IS DISTINCT FROM
			ARRAY(SELECT cg.client_id::text FROM client_grants cg WHERE cg.user_id = u.id ORDER BY 1)
		  OR u.fact_position_rights IS DISTINCT FROM COALESCE((SELECT jsonb_agg(jsonb_build_object('PositionID', pr.position_id,
			'Path', p.path, 'IncludeSubtree', pr.include_subtree) ORDER BY pr.position_id)
			FROM position_rights pr JOIN positions p ON p.id = pr.position_id WHERE pr.user_id = u.id), '[]')) AS wrong,
		count(*) FILTER (WHERE u.fact_groups <> '{}') AS groups,
		count(*) FILTER (WHERE u.fact_position_rights <> '[]') AS rights,
		count(*) FILTER (WHERE u.fact_client_grants <> '{}') AS clients
		FROM users u`).Scan(ctx, &r.Wrong, &r.Groups, &r.Rights, &r.Clients); err != nil {
		t.Fatal(err)
	}
	if r.Wrong != 0 || r.Groups == 0 || r.Rights == 0 || r.Clients == 0 {
		t.Fatalf("users with stale facts %d; with groups %d, position rights %d, client grants %d", r.Wrong, r.Groups, r.Rights, r.Clients)
	}
}

// The generator fills every case's facts once, after its last write to a facts table (the
// principals' ACL entry included): each case's facts must be what case_facts computes from its
// rows now (as sets: rows with equal sort keys may come in either order).
func TestGeneratedCasesHoldTheirFacts(t *testing.T) {
	db, m, _ := scaletest.PlanCompany(t)
	ctx := context.Background()
	var wrong, cases int
	if err := db.NewRaw(`SELECT count(*) FILTER (WHERE NOT (c.facts @> f.facts AND f.facts @> c.facts)), count(*)
		FROM cases c JOIN case_facts(ARRAY(SELECT id FROM cases)) f ON f.case_id = c.id`).Scan(ctx, &wrong, &cases); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || cases == 0 {
		t.Fatalf("cases with stale facts: %d of %d", wrong, cases)
	}
	// The one-ACL principal's only right is the entry the principals step writes last.
	var n int
	if err := db.NewRaw(`SELECT count(*) FROM cases c, users u
		WHERE u.email = ? AND c.facts->'acl' @> jsonb_build_array(jsonb_build_object('userId', u.id))`, oneACL(t, m)).Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("cases whose facts name the one-ACL principal: %d, want 1", n)
	}
}

func oneACL(t *testing.T, m *scale.Manifest) string {
	p, ok := m.Get(scale.KindOneACL)
	if !ok {
		t.Fatal("no one-ACL principal in the manifest")
	}
	return p.Email
}
