package audience

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/relay"
)

// relation is an audience relation (access.CaseAudience, access.DocumentAudience) with the filter
// a caller asked for: the statements of List are built on it.
type relation struct {
	sql  string
	args []any
	f    Filter
}

// rankOf is the place among the kinds of the member whose rows are aliased alias: employees, then
// guests and contacts, then temporary grants. Each branch of an audience relation has a constant
// kind, so a condition on it inside a subquery lets PostgreSQL drop the branches it excludes before
// running them.
func rankOf(alias string) string {
	return `CASE ` + alias + `.kind WHEN 'INTERNAL' THEN 0 WHEN 'EXTERNAL' THEN 1 ELSE 2 END`
}

// rows is the relation as a subquery aliased x, with members of a lower rank than minRank and of a
// kind other than the filter's left out (both per member, so they may be applied to each row).
func (r relation) rows(minRank int) (string, []any) {
	args := append([]any(nil), r.args...)
	where := []string{rankOf("a") + " >= ?"}
	args = append(args, minRank)
	if r.f.Kind != nil {
		where = append(where, "a.kind = ?")
		args = append(args, string(*r.f.Kind))
	}
	return "(SELECT * FROM (" + r.sql + ") a WHERE " + strings.Join(where, " AND ") + ") x", args
}

// having is the rest of the filter, on one member's rows x: a rule, a right, words of the name or
// e-mail address. It starts with count(*) > 0 because the walk aggregates one employee's rows
// without GROUP BY, which yields a row even when the employee has none.
func (r relation) having() (string, []any) {
	cond := []string{"count(*) > 0"}
	var args []any
	if r.f.Rule != "" {
		cond = append(cond, "bool_or(x.rule = ?)")
		args = append(args, r.f.Rule)
	}
	if r.f.Right != nil {
		cond = append(cond, "max(x.level) >= ?")
		args = append(args, int(*r.f.Right))
	}
	if r.f.Search != "" {
		pat := relay.ContainsPattern(r.f.Search)
		cond = append(cond, "bool_or(x.name ILIKE ? OR x.email ILIKE ?)")
		args = append(args, pat, pat)
	}
	return " HAVING " + strings.Join(cond, " AND "), args
}

// grantsSQL aggregates a member's rows x into its grants, in a stable order.
const grantsSQL = `jsonb_agg(jsonb_build_object('rule', x.rule, 'groupId', x.group_id, 'positionId', x.position_id, 'level', x.level)
    ORDER BY x.rule, x.group_id, x.position_id)`

// count is how many members the filter keeps, with the planner's estimate of how many users there
// are (for dense).
func (r relation) count(ctx context.Context, db bun.IDB) (int, float64, error) {
	from, args := r.rows(0)
	having, hargs := r.having()
	var out struct {
		Total     int     `bun:"total"`
		Employees float64 `bun:"employees"`
	}
	q := `SELECT (SELECT count(*) FROM (SELECT 1 FROM ` + from + ` GROUP BY x.kind, x.user_id, x.contact_id, x.grant_id` + having + `) m) AS total,
  (SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass) AS employees`
	if err := db.NewRaw(q, append(args, hargs...)...).Scan(ctx, &out); err != nil {
		return 0, 0, fmt.Errorf("audience count: %w", err)
	}
	return out.Total, out.Employees, nil
}

// walkable says whether the page starts among the employees and the filter admits them.
func (r relation) walkable(after *cursor) bool {
	return (after == nil || after.Rank == 0) && (r.f.Kind == nil || *r.f.Kind == access.KindInternal)
}

// beyondEmployees says whether the filter admits members after the employees (guests, contacts,
// temporary grants), whom a walk does not reach.
func (r relation) beyondEmployees() bool { return r.f.Kind == nil || *r.f.Kind != access.KindInternal }

// walk finds the next n employee members after after in name order by reading the employees
// in that order (users_name_idx) and asking the relation about each one alone: PostgreSQL pushes
// the employee's id into every branch, so each question is a few index look-ups.
func (r relation) walk(ctx context.Context, db bun.IDB, after *cursor, n int) ([]*Member, error) {
	from, args := r.rows(0)
	having, hargs := r.having()
	args = append(args, hargs...)
	where := "u.contact_id IS NULL"
	if after != nil {
		where += " AND (u.name, u.id) > (?, ?::uuid)"
		args = append(args, after.Name, after.ID)
	}
	args = append(args, n)
	q := `SELECT 'INTERNAL' AS kind, u.id AS user_id, NULL AS contact_id, NULL AS grant_id, s.level, s.grants, 0 AS rank, u.id AS id, u.name
FROM users u CROSS JOIN LATERAL (
  SELECT max(x.level) AS level, ` + grantsSQL + ` AS grants
  FROM ` + from + ` WHERE x.kind = 'INTERNAL' AND x.user_id = u.id` + having + `) s
WHERE ` + where + `
ORDER BY u.name, u.id LIMIT ?`
	return scan(ctx, db, q, args)
}

// sorted finds the next n members of rank minRank and above after after (when given) by grouping
// every member the filter keeps and sorting them; the grants are aggregated for the page's members
// only.
func (r relation) sorted(ctx context.Context, db bun.IDB, minRank int, after *cursor, n int) ([]*Member, error) {
	if after != nil {
		minRank = max(minRank, after.Rank)
	}
	from, args := r.rows(minRank)
	having, hargs := r.having()
	args = append(args, hargs...)
	pageWhere := "true"
	if after != nil {
		pageWhere = "(m.rank, m.name, m.id) > (?, ?, ?::uuid)"
		args = append(args, after.Rank, after.Name, after.ID)
	}
	args = append(args, n)
	q := `WITH g AS (SELECT * FROM ` + from + `),
m AS (
  SELECT x.kind, x.user_id, x.contact_id, x.grant_id, max(x.level) AS level,
         ` + rankOf("x") + ` AS rank,
         COALESCE(x.user_id, x.contact_id, x.grant_id) AS id, min(x.name) AS name
  FROM g x GROUP BY x.kind, x.user_id, x.contact_id, x.grant_id` + having + `),
p AS (SELECT * FROM m WHERE ` + pageWhere + ` ORDER BY m.rank, m.name, m.id LIMIT ?),
pg AS (
  SELECT p.id, ` + grantsSQL + ` AS grants
  FROM p JOIN g x ON p.kind = x.kind AND p.id = COALESCE(x.user_id, x.contact_id, x.grant_id) GROUP BY p.id)
SELECT p.kind, p.user_id, p.contact_id, p.grant_id, p.level, pg.grants, p.rank, p.id, p.name
FROM p JOIN pg ON pg.id = p.id
ORDER BY p.rank, p.name, p.id`
	return scan(ctx, db, q, args)
}

// scan reads a page's members: kind, user_id, contact_id, grant_id, level, grants (JSON), rank, id,
// name.
func scan(ctx context.Context, db bun.IDB, q string, args []any) ([]*Member, error) {
	var rows []struct {
		Kind      string          `bun:"kind"`
		UserID    *string         `bun:"user_id"`
		ContactID *string         `bun:"contact_id"`
		GrantID   *string         `bun:"grant_id"`
		Level     int             `bun:"level"`
		Grants    json.RawMessage `bun:"grants"`
		Rank      int             `bun:"rank"`
		ID        string          `bun:"id"`
		Name      string          `bun:"name"`
	}
	if err := db.NewRaw(q, args...).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	members := make([]*Member, 0, len(rows))
	for _, r := range rows {
		m := &Member{Kind: access.Kind(r.Kind), UserID: deref(r.UserID), ContactID: deref(r.ContactID), GrantID: deref(r.GrantID),
			ID: r.ID, Name: r.Name, Rank: r.Rank, Right: access.Right(r.Level)}
		var gs []struct {
			Rule       string  `json:"rule"`
			GroupID    *string `json:"groupId"`
			PositionID *string `json:"positionId"`
			Level      int     `json:"level"`
		}
		if err := json.Unmarshal(r.Grants, &gs); err != nil {
			return nil, fmt.Errorf("audience grants: %w", err)
		}
		for _, g := range gs {
			m.Grants = append(m.Grants, Grant{Rule: g.Rule, GroupID: deref(g.GroupID), PositionID: deref(g.PositionID), Right: access.Right(g.Level)})
		}
		members = append(members, m)
	}
	return members, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
