package scale

import (
	"fmt"
)

// Shares of documents, per the issue.
const (
	docInCaseShare       = 0.5
	docConfidentialShare = 0.05
	docStandalonePos     = 0.7  // standalone documents residing at a position
	docStandaloneClient  = 0.1  // standalone documents of a client
	docACLShare          = 0.2  // documents with 1–2 ACL entries
	docDenyShare         = 0.1  // of user entries: level 0, a deny
	docActiveTaskShare   = 0.05 // documents with an active task
	docDoneTaskShare     = 0.05 // documents with a completed task
)

// documents makes the documents, then their ACL entries and tasks.
func (g *gen) documents() error {
	if err := g.step("documents", g.documentsSQL()); err != nil {
		return err
	}
	if err := g.step("document acl", g.documentACLSQL()); err != nil {
		return err
	}
	return g.step("document tasks", g.documentTasksSQL())
}

// documentsSQL makes cfg.Documents documents in creation order: half inside a random case (a few
// days after it, at its position, of its client, by its creator or another user), half on their
// own, spread over the three years. The keys are drawn first and sorted, the wide columns after.
func (g *gen) documentsSQL() string {
	c := g.cfg
	inCase := int(float64(c.Documents) * docInCaseShare)
	span := c.End.Sub(g.start()).Seconds()
	return fmt.Sprintf(`INSERT INTO documents (id, case_id, author_id, title, body, confidential, client_id, position_id,
			version, created_at, updated_at)
		SELECT %s, s.case_id, CASE WHEN s.creator_id IS NOT NULL AND random() < 0.5 THEN s.creator_id ELSE %s END,
			%s || ' nr ' || s.j || '/' || extract(year FROM s.created_at), %s || ' ' || %s || ' ' || %s,
			random() < %f, s.client_id, s.position_id, 1, s.created_at, s.created_at
		FROM (
			SELECT * FROM (
				SELECT r.j, c.id AS case_id, c.creator_id, c.client_id, c.position_id,
					least(c.created_at + r.lag * interval '30 days', %s) AS created_at
				FROM (SELECT j, 1 + floor(random() * %d)::int AS k, random() AS lag FROM generate_series(1, %d) j) r
				JOIN cases c ON c.id = %s
				UNION ALL
				SELECT j, NULL, NULL, CASE WHEN random() < %f THEN %s END, CASE WHEN random() < %f THEN %s END,
					%s + random() * interval '%f seconds'
				FROM generate_series(%d, %d) j) u
			ORDER BY created_at, j) s`,
		g.id("d", "s.j"), g.randID("u", c.Users),
		pick(docKinds), pick(sentences), pick(sentences), pick(sentences), docConfidentialShare,
		ts(c.End), c.Cases, inCase, g.id("c", "r.k"),
		docStandaloneClient, g.randID("k", c.Clients), docStandalonePos, g.randID("p", c.Positions),
		ts(g.start()), span, inCase+1, c.Documents)
}

// documentACLSQL gives a share of documents 1–2 entries: users (a tenth of them denies, level 0)
// or groups, distinct by construction.
func (g *gen) documentACLSQL() string {
	c := g.cfg
	return fmt.Sprintf(`INSERT INTO document_acl (document_id, user_id, group_id, level, document_created_at)
		SELECT x.id, CASE WHEN x.isuser THEN %s END, CASE WHEN NOT x.isuser THEN %s END,
			CASE WHEN x.isuser AND x.lv < %f THEN 0 WHEN x.lv < 0.6 THEN 1 WHEN x.lv < 0.9 THEN 2 ELSE 3 END, x.created_at
		FROM (
			SELECT s.id, s.created_at, s.bu, s.bg, j, random() < 0.6 AS isuser, random() AS lv
			FROM (SELECT id, created_at, random() AS r, floor(random() * %d)::int AS bu, floor(random() * %d)::int AS bg,
			             1 + floor(random() * 2)::int AS n FROM documents) s
			CROSS JOIN LATERAL generate_series(0, s.n - 1) j
			WHERE s.r < %f) x`,
		g.id("u", fmt.Sprintf("1 + (x.bu + x.j * %d) %% %d", max(1, c.Users/2), c.Users)),
		g.id("g", fmt.Sprintf("1 + (x.bg + x.j * %d) %% %d", max(1, c.Groups/2), c.Groups)),
		docDenyShare, c.Users, c.Groups, docACLShare)
}

// documentTasksSQL gives a share of documents an active task and another share a completed one.
func (g *gen) documentTasksSQL() string {
	return fmt.Sprintf(`INSERT INTO document_tasks (id, document_id, user_id, active, created_at, completed_at, document_created_at)
		SELECT md5(s.id::text || ':t')::uuid, s.id, %s, s.r < %f, s.created_at,
			CASE WHEN s.r >= %f THEN s.created_at + interval '2 days' END, s.created_at
		FROM (SELECT id, created_at, random() AS r FROM documents) s
		WHERE s.r < %f`,
		g.randID("u", g.cfg.Users), docActiveTaskShare, docActiveTaskShare, docActiveTaskShare+docDoneTaskShare)
}
