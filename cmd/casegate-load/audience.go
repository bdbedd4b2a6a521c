package main

import (
	"context"
	"fmt"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/procstat"
	"github.com/casegate/casegate/internal/scale"
)

// audienceGroup is the group the -audience mode makes of every user, named so that a second run
// finds it again.
const (
	audienceGroup   = "00000000-0000-4000-8000-0000000a0d1e"
	audienceMembers = 10000
	audienceQuery   = `query Audience($id: ID!) { caseAudience(caseId: $id, first: 50) {
  totalCount edges { cursor node { kind rights user { id name } grantedBy { rule group { name } } } } } }`
)

// measureAudience is the -audience mode: the first page of 50 of caseAudience, as the
// administrator, for a case readable by at least audienceMembers users. It makes such a case if
// there is none: a group of every user (about 10,000) given READ on the newest case by an ACL
// entry, written straight into -database-url (the triggers keep the facts as a mutation would).
func measureAudience(ctx context.Context, o options, c *client, m scale.Manifest) error {
	db, err := database.Open(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var caseID string
	if err := db.NewRaw(`SELECT id FROM cases ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(ctx, &caseID); err != nil {
		return fmt.Errorf("newest case: %w", err)
	}
	for _, q := range []string{
		`INSERT INTO groups (id, name) VALUES ('` + audienceGroup + `', 'Wszyscy (casegate-load)') ON CONFLICT DO NOTHING`,
		`INSERT INTO group_members (group_id, user_id) SELECT '` + audienceGroup + `', id FROM users WHERE NOT is_system AND contact_id IS NULL ON CONFLICT DO NOTHING`,
		`INSERT INTO case_acl (case_id, group_id, level) VALUES ('` + caseID + `', '` + audienceGroup + `', 1) ON CONFLICT DO NOTHING`,
		// An index-only scan of the new members needs the visibility map, and the members' facts
		// (users.fact_groups, rewritten by the triggers) leave dead rows behind.
		`VACUUM (ANALYZE) group_members`,
		`VACUUM (ANALYZE) users`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("make a case everyone reads: %w", err)
		}
	}
	var admin scale.Principal
	for _, p := range m.Principals {
		if p.Kind == "admin" {
			admin = p
		}
	}
	var login struct{ Login struct{ Token string } }
	if err := c.post(ctx, "", loginQuery, map[string]any{"email": admin.Email, "password": m.Password}, &login); err != nil {
		return fmt.Errorf("log in as %s: %w", admin.Email, err)
	}
	var out struct {
		CaseAudience struct {
			TotalCount int
			Edges      []struct{ Cursor string }
		}
	}
	vars := map[string]any{"id": caseID}
	s := sample(o.n, o.budget, func() error { return c.post(ctx, login.Login.Token, audienceQuery, vars, &out) })
	if s.err != nil {
		return s.err
	}
	fmt.Printf("caseAudience(first: 50) of case %s as %s: %d members (target ≥ %d), page of %d\n",
		caseID, admin.Email, out.CaseAudience.TotalCount, audienceMembers, len(out.CaseAudience.Edges))
	fmt.Printf("  p50 %s, p99 %s over %d requests — target p99 ≤ %v %s; load average %s\n",
		ms(s.p(0.5)), ms(s.p(0.99)), len(s.times), targetP99, mark(s.p(0.99) <= targetP99 && out.CaseAudience.TotalCount >= audienceMembers), procstat.LoadAverage())
	return nil
}
