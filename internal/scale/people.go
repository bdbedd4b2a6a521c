package scale

import (
	"fmt"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/procedures"
)

// Shares of the small tables, per the issue: a few hundred users with position rights, a few with
// client grants, about twenty in the client-data group.
const (
	positionRights   = 400 // rows; ~30 % include the subtree
	clientGrantUsers = 10
	clientDataUsers  = 20
	projects         = 100
	companyShare     = 0.3 // of clients; the rest are contacts of those companies
)

// emailWidth is the digits of user numbers in e-mails (user00042@scale.test), at least five.
func emailWidth(users int) int { return max(5, len(fmt.Sprint(users))) }

func (g *gen) companies() int { return max(1, int(float64(g.cfg.Clients)*companyShare)) }

// people makes users, groups and their members, the position tree and rights, clients, projects,
// client grants, the client-data group's members and procedure grants.
func (g *gen) people() error {
	c, start := g.cfg, ts(g.start())
	nc := g.companies()
	steps := []struct {
		name, sql string
		args      []any
	}{
		{"users", fmt.Sprintf(`INSERT INTO users (id, email, name, phone, manager_id, password_hash, created_at, updated_at)
			SELECT %s, 'user' || lpad(i::text, %d, '0') || '@scale.test', %s || ' ' || %s,
				'+48 ' || (500000000 + floor(random() * 99999999)::int), CASE WHEN i > 1 THEN %s END, ?, %s, %s
			FROM generate_series(1, %d) i`,
			g.id("u", "i"), emailWidth(c.Users), pick(firstNames), pick(lastNames), g.id("u", "(i - 2) / 10 + 1"), start, start, c.Users),
			[]any{c.PasswordHash}},
		{"special users", fmt.Sprintf(`INSERT INTO users (id, email, name, permissions, password_hash, created_at, updated_at) VALUES
			(%s, 'admin@scale.test', 'Administrator Skali', '{ADMIN}', ?, %s, %s),
			(%s, 'one-acl@scale.test', 'Jedna Pozycja ACL', '{}', ?, %s, %s)`,
			g.id("special", "'admin'"), start, start, g.id("special", "'one-acl'"), start, start),
			[]any{c.PasswordHash, c.PasswordHash}},
		{"groups", fmt.Sprintf(`INSERT INTO groups (id, name, created_at)
			SELECT %s, %s || ' — zespół ' || lpad(i::text, 3, '0'), %s FROM generate_series(1, %d) i`,
			g.id("g", "i"), pick(departments), start, c.Groups), nil},
		// Each user joins 1–5 distinct groups: base + j·stride for j < 5 never wraps onto itself.
		{"group members", fmt.Sprintf(`INSERT INTO group_members (group_id, user_id, created_at)
			SELECT %s, %s, %s
			FROM (SELECT i, floor(random() * %d)::int AS b, least(1 + floor(random() * 5)::int, %d) AS k
			      FROM generate_series(1, %d) i) s
			CROSS JOIN LATERAL generate_series(0, s.k - 1) j`,
			g.id("g", fmt.Sprintf("1 + (s.b + j * %d) %% %d", max(1, c.Groups/5), c.Groups)), g.id("u", "s.i"), start,
			c.Groups, c.Groups, c.Users), nil},
		{"positions", g.positionsSQL(), nil},
		{"position rights", fmt.Sprintf(`INSERT INTO position_rights (position_id, user_id, include_subtree, created_at)
			SELECT %s, %s, random() < 0.3, %s FROM generate_series(1, %d) ON CONFLICT DO NOTHING`,
			g.randID("p", c.Positions), g.randID("u", c.Users), start, positionRights), nil},
		{"clients", fmt.Sprintf(`INSERT INTO clients (id, kind, name, email, phone, company_id, created_at)
			SELECT %s, 'COMPANY', %s || ' ' || i || ' ' || %s, 'biuro@firma' || i || '.pl', '+48 22 ' || (1000000 + i), NULL, %s
			FROM generate_series(1, %d) i
			UNION ALL
			SELECT %s, 'CONTACT', %s || ' ' || %s, 'kontakt' || i || '@example.pl', NULL, %s, %s
			FROM generate_series(%d, %d) i`,
			g.id("k", "i"), pick(companies), pick(companyForms), start, nc,
			g.id("k", "i"), pick(firstNames), pick(lastNames), g.id("k", fmt.Sprintf("1 + i %% %d", nc)), start, nc+1, c.Clients), nil},
		{"projects", fmt.Sprintf(`INSERT INTO projects (id, name, counterparty_id, created_at)
			SELECT %s, 'Projekt ' || lpad(i::text, 3, '0'), %s, %s FROM generate_series(1, %d) i`,
			g.id("prj", "i"), g.id("k", fmt.Sprintf("1 + i %% %d", nc)), start, projects), nil},
		{"client grants", fmt.Sprintf(`INSERT INTO client_grants (client_id, user_id, created_at)
			SELECT %s, s.u, %s
			FROM (SELECT %s AS u, 1 + floor(random() * 5)::int AS k FROM generate_series(1, %d)) s
			CROSS JOIN LATERAL generate_series(1, s.k) j ON CONFLICT DO NOTHING`,
			g.randID("k", c.Clients), start, g.randID("u", c.Users), clientGrantUsers), nil},
		{"client-data members", fmt.Sprintf(`INSERT INTO group_members (group_id, user_id, created_at)
			SELECT '%s', %s, %s FROM generate_series(1, %d) ON CONFLICT DO NOTHING`,
			access.ClientDataGroupID, g.randID("u", c.Users), start, clientDataUsers), nil},
		{"procedure grants", g.procedureGrantsSQL(), nil},
		// The load runs without triggers (session_replication_role) or, without superuser, with
		// one refresh per statement: either way one pass at the end leaves every user's facts right.
		{"user facts", refreshAllFacts, nil},
	}
	for _, s := range steps {
		if err := g.step(s.name, s.sql, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// refreshAllFacts recomputes the groups, position rights and client grants kept on every user's row.
const refreshAllFacts = `SELECT refresh_user_facts(ARRAY(SELECT id FROM users))`

// positionsSQL builds the organisation tree: node 1 is the root, node i hangs under a node near
// (i-2)/6+1 (about six children each, so five or six levels), and path is the id chain.
func (g *gen) positionsSQL() string {
	return fmt.Sprintf(`WITH RECURSIVE n AS MATERIALIZED (
			SELECT i, CASE WHEN i > 1 THEN greatest(1, least(i - 1, (i - 2) / 6 + 1 + floor(random() * 5)::int - 2)) END AS parent
			FROM generate_series(1, %d) i),
		t AS (
			SELECT n.i, %s AS id, NULL::uuid AS parent_id, '/' || %s || '/' AS path, 1 AS depth FROM n WHERE n.i = 1
			UNION ALL
			SELECT n.i, %s, t.id, t.path || %s || '/', t.depth + 1 FROM n JOIN t ON n.parent = t.i)
		INSERT INTO positions (id, parent_id, name, path, created_at)
		SELECT id, parent_id, (%s)[least(depth, %d)] || ' ' || i, path, %s FROM t ORDER BY i`,
		g.cfg.Positions, g.id("p", "n.i"), g.id("p", "n.i"), g.id("p", "n.i"), g.id("p", "n.i"),
		arrayLit(unitKinds), len(unitKinds), ts(g.start()))
}

// procedureGrantsSQL gives group k READ on the k-th procedure, and the next group MANAGE on the
// first: a few groups (HR, service desk) that read every case of a procedure.
func (g *gen) procedureGrantsSQL() string {
	var rows string
	all := procedures.Registry.All()
	for k, p := range all {
		rows += fmt.Sprintf("(%s, '%s', 1), ", g.id("g", fmt.Sprint(k+1)), p.Key)
	}
	rows += fmt.Sprintf("(%s, '%s', 3)", g.id("g", fmt.Sprint(len(all)+1)), all[0].Key)
	return "INSERT INTO procedure_grants (group_id, procedure, level) VALUES " + rows
}
