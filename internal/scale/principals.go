package scale

import (
	"fmt"

	"github.com/casegate/casegate/internal/access"
)

// ordinary keeps the generated users with none of the broad rules: in no group holding a
// procedure grant, not in the client-data group, without position rights or client grants. Their
// cases come from what they created, their tasks, participations and ACL entries (their own and
// their groups').
const ordinary = `u.email LIKE 'user%@scale.test'
	AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id
		AND (gm.group_id = '` + access.ClientDataGroupID + `' OR gm.group_id IN (SELECT group_id FROM procedure_grants WHERE group_id IS NOT NULL)))
	AND NOT EXISTS (SELECT 1 FROM procedure_grants pg WHERE pg.user_id = u.id)
	AND NOT EXISTS (SELECT 1 FROM position_rights pr WHERE pr.user_id = u.id)
	AND NOT EXISTS (SELECT 1 FROM client_grants cg WHERE cg.user_id = u.id)`

type chosenRow struct {
	ID    string `bun:"id"`
	Email string `bun:"email"`
}

// principals picks the five principals (from the middle of the user list, so not the top of the
// manager chain), gives the position holder a subtree right on the largest division, and gives the
// one-ACL user its single entry (READ with allDocuments, on a case from the middle of the timeline
// that holds documents).
func (g *gen) principals() error {
	mid := fmt.Sprintf("user%0*d@scale.test", emailWidth(g.cfg.Users), g.cfg.Users/2)
	var people []chosenRow
	if err := g.conn.NewRaw(`SELECT u.id, u.email FROM users u WHERE `+ordinary+` AND u.email >= ? ORDER BY u.email LIMIT 2`, mid).
		Scan(g.ctx, &people); err != nil {
		return err
	}
	if len(people) < 2 {
		return fmt.Errorf("fewer than two ordinary users: the company is too small")
	}
	var member chosenRow
	if err := g.conn.NewRaw(`SELECT u.id, u.email FROM users u JOIN group_members gm ON gm.user_id = u.id AND gm.group_id = ?
		ORDER BY u.email LIMIT 1`, access.ClientDataGroupID).Scan(g.ctx, &member); err != nil {
		return fmt.Errorf("client-data member: %w", err)
	}
	var division struct {
		ID    string `bun:"id"`
		Nodes int    `bun:"nodes"`
	}
	if err := g.conn.NewRaw(`SELECT p.id, count(*) AS nodes FROM positions p JOIN positions d ON d.path LIKE p.path || '%'
		WHERE p.parent_id = (SELECT id FROM positions WHERE parent_id IS NULL) GROUP BY p.id ORDER BY nodes DESC, p.id LIMIT 1`).
		Scan(g.ctx, &division); err != nil {
		return fmt.Errorf("largest division: %w", err)
	}
	if err := g.exec(`INSERT INTO position_rights (position_id, user_id, include_subtree, created_at) VALUES (?, ?, true, ?)`,
		division.ID, people[1].ID, g.start()); err != nil {
		return err
	}
	if err := g.exec(`SELECT refresh_user_facts(ARRAY[?::uuid])`, people[1].ID); err != nil { // triggers may be off
		return err
	}
	var caseID string
	mean := g.start().Add(g.cfg.End.Sub(g.start()) / 2)
	if err := g.conn.NewRaw(`SELECT case_id FROM documents WHERE case_id IS NOT NULL AND created_at >= ? ORDER BY created_at, id LIMIT 1`, mean).
		Scan(g.ctx, &caseID); err != nil {
		return fmt.Errorf("one-acl case: %w", err)
	}
	var admin, oneACL chosenRow
	if err := g.conn.NewRaw(`SELECT id, email FROM users WHERE email = 'admin@scale.test'`).Scan(g.ctx, &admin); err != nil {
		return err
	}
	if err := g.conn.NewRaw(`SELECT id, email FROM users WHERE email = 'one-acl@scale.test'`).Scan(g.ctx, &oneACL); err != nil {
		return err
	}
	if err := g.exec(`INSERT INTO case_acl (case_id, user_id, level, all_documents, case_created_at)
		SELECT id, ?, 1, true, created_at FROM cases WHERE id = ?`, oneACL.ID, caseID); err != nil {
		return err
	}
	g.chosen = []Principal{
		{KindAdmin, admin.Email, admin.ID, "ADMIN permission: every case; documents by the six rules like anyone"},
		{KindEmployee, people[0].Email, people[0].ID, "no procedure grant, position right, client grant or client-data membership"},
		{KindPosition, people[1].Email, people[1].ID, fmt.Sprintf("subtree right on the largest division (%d of %d positions)", division.Nodes, g.cfg.Positions)},
		{KindClientData, member.Email, member.ID, "member of the client-data group: every case and open document with a client"},
		{KindOneACL, oneACL.Email, oneACL.ID, "in no group; exactly one ACL entry (READ, allDocuments) on case " + caseID},
	}
	for _, p := range g.chosen {
		g.cfg.Log("  %-12s %s", p.Kind, p.Email)
	}
	return nil
}

func (g *gen) manifest() (*Manifest, error) {
	return &Manifest{Seed: g.cfg.Seed, Password: Password, Users: g.cfg.Users, Cases: g.cfg.Cases,
		Documents: g.cfg.Documents, Principals: g.chosen}, nil
}
