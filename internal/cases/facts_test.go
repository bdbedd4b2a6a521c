package cases

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/dbtest"
)

// staleFacts lists the cases whose facts column differs from their facts computed afresh from the
// facts tables.
func staleFacts(t *testing.T, db bun.IDB) []string {
	t.Helper()
	var ids []string
	err := db.NewRaw(`SELECT c.id FROM cases c JOIN case_facts(ARRAY(SELECT id FROM cases)) f ON f.case_id = c.id
		WHERE c.facts IS DISTINCT FROM f.facts AND NOT (c.facts = '{}' AND f.facts = ?)`, emptyFacts).Scan(context.Background(), &ids)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// emptyFacts is what case_facts computes for a case with no facts rows; such a case may keep the
// column's default.
const emptyFacts = `{"acl": [], "people": [], "assignees": [], "overrides": [], "participants": [], "pastAssignees": []}`

// The facts column follows every kind of statement on the facts tables: single and multi-row
// inserts, updates (also of case_id, moving a row to another case), deletes, in random order.
func TestCaseFactsFollowEveryStatement(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 13))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var users, cs []string
	for i := range 6 {
		u := uuidFor("user", i)
		users = append(users, u)
		exec(`INSERT INTO users (id, email, name) VALUES (?, ?, 'U')`, u, u+"@x.test")
	}
	exec(`INSERT INTO groups (id, name) VALUES (?, 'G')`, uuidFor("group", 1))
	for i := range 5 {
		c := uuidFor("case", i)
		cs = append(cs, c)
		exec(`INSERT INTO cases (id, procedure, stage, title, creator_id) VALUES (?, 'keeps', 'A', 't', ?)`, c, users[0])
	}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	ops := []func(){
		func() {
			exec(`INSERT INTO case_tasks (case_id, user_id, stage) VALUES (?, ?, 'A')`, pick(cs), pick(users))
		},
		func() {
			exec(`INSERT INTO case_tasks (case_id, user_id, stage) VALUES (?, ?, 'A'), (?, ?, 'B')`, pick(cs), pick(users), pick(cs), pick(users))
		},
		func() { exec(`UPDATE case_tasks SET active = NOT active WHERE case_id = ?`, pick(cs)) },
		func() {
			exec(`UPDATE case_tasks SET case_id = ? WHERE id IN (SELECT id FROM case_tasks LIMIT 1)`, pick(cs))
		},
		func() {
			exec(`DELETE FROM case_tasks WHERE id IN (SELECT id FROM case_tasks ORDER BY random() LIMIT 2)`)
		},
		func() {
			exec(`INSERT INTO case_acl (case_id, user_id, level) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, pick(cs), pick(users), 1+r.IntN(3))
		},
		func() {
			exec(`INSERT INTO case_acl (case_id, group_id, level, all_documents) VALUES (?, ?, 2, true) ON CONFLICT DO NOTHING`, pick(cs), uuidFor("group", 1))
		},
		func() { exec(`UPDATE case_acl SET level = 1 + (level % 3) WHERE case_id = ?`, pick(cs)) },
		func() { exec(`DELETE FROM case_acl WHERE case_id = ?`, pick(cs)) },
		func() {
			exec(`INSERT INTO case_participants (case_id, user_id, role) VALUES (?, ?, 'AUDITOR') ON CONFLICT DO NOTHING`, pick(cs), pick(users))
		},
		func() { exec(`DELETE FROM case_participants WHERE case_id = ?`, pick(cs)) },
		func() {
			exec(`INSERT INTO case_field_modes (case_id, target, mode) VALUES (?, 's.f', 'HIDDEN') ON CONFLICT (case_id, target) DO UPDATE SET mode = 'READ_ONLY'`, pick(cs))
		},
		func() { exec(`DELETE FROM case_field_modes WHERE case_id = ?`, pick(cs)) },
	}
	for i := range 300 {
		op := r.IntN(len(ops))
		ops[op]()
		if stale := staleFacts(t, db); len(stale) > 0 {
			t.Fatalf("step %d (operation %d): stale facts on %v", i, op, stale)
		}
	}
	// What the server reads is what the tables say.
	var c Case
	if err := db.NewSelect().Model(&c).Apply(withFacts).Where("c.id = ?", cs[0]).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var active, acl int
	_ = db.NewRaw(`SELECT count(*) FROM case_tasks WHERE case_id = ? AND active`, cs[0]).Scan(ctx, &active)
	_ = db.NewRaw(`SELECT count(*) FROM case_acl WHERE case_id = ?`, cs[0]).Scan(ctx, &acl)
	if len(c.Facts().Assignees) != active || len(c.Facts().ACL) != acl {
		t.Fatalf("decoded facts: %d assignees, %d ACL entries; the tables: %d, %d", len(c.Facts().Assignees), len(c.Facts().ACL), active, acl)
	}
	// The column as PostgreSQL writes it is read without reflection, as encoding/json reads it.
	var raw []byte
	if err := db.NewRaw(`SELECT facts FROM cases WHERE id = ?`, cs[0]).Scan(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	var want storedFacts
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if got, ok := decodeFactsJSON(raw); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("facts read without reflection (%v): %+v\nencoding/json: %+v\nthe column: %s", ok, got, want, raw)
	}
}

// Two transactions that change one case's facts at once (without the services' lock on the case)
// both end up in its facts column.
func TestCaseFactsKeepConcurrentChanges(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	id := uuidFor("case", 1)
	if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, procedure, stage, title) VALUES (?, 'keeps', 'A', 't')`, id); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	for i := range writers {
		u := uuidFor("user", i)
		if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, name) VALUES (?, ?, 'U')`, u, u+"@x.test"); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				errs <- db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO case_acl (case_id, user_id, level) VALUES (?, ?, 1)
						ON CONFLICT (case_id, coalesce(user_id, group_id, contact_id)) DO UPDATE SET level = 1 + case_acl.level % 3`, id, uuidFor("user", i))
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if stale := staleFacts(t, db); len(stale) > 0 {
			t.Fatalf("round %d: stale facts on %v", round, stale)
		}
		var n int
		if err := db.NewRaw(`SELECT jsonb_array_length(facts->'acl') FROM cases WHERE id = ?`, id).Scan(ctx, &n); err != nil || n != writers {
			t.Fatalf("round %d: %d ACL entries in the facts column (%v), want %d", round, n, err, writers)
		}
	}
}
