// Package audience lists who can read a case or a document: the audience relation that the access
// engine builds as SQL (access.CaseAudience, access.DocumentAudience), grouped into one member per
// person, contact or temporary grant, filtered, counted and paged here.
package audience

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
)

// Grant is one reason a member reads: the rule, the group or position it went through, and the
// right it gives.
type Grant struct {
	Rule       string
	GroupID    string
	PositionID string
	Right      access.Right
}

// Member is one member of an audience: exactly one of UserID, ContactID and GrantID is set.
type Member struct {
	Kind      access.Kind
	UserID    string
	ContactID string
	GrantID   string
	Name      string
	Rank      int
	ID        string
	Right     access.Right
	Grants    []Grant
	// Mode is the member's mode of the field asked for, when one was.
	Mode *access.Mode
}

// Filter narrows an audience.
type Filter struct {
	Kind   *access.Kind
	Right  *access.Right
	Rule   string
	Search string
}

// Validate checks the filter's values where they enter.
func (f Filter) Validate() error {
	if f.Rule != "" {
		if err := access.ValidAudienceRule(f.Rule); err != nil {
			return err
		}
	}
	if f.Kind != nil && *f.Kind == access.KindSystem {
		return apperr.Input("filter.kind", "SYSTEM is never a member")
	}
	if len(f.Search) > 200 || !database.ValidText(f.Search) {
		return apperr.Input("filter.search", "must be at most 200 characters of text")
	}
	return nil
}

// Page is a page of an audience with the count of every member the filter keeps.
type Page struct {
	relay.Page[*Member]
	Total int
}

// Check is what every audience request must pass before its case or document is read, so that a
// bad filter or page is BAD_USER_INPUT whatever the id: an employee asks, f and page are valid.
func Check(p *access.Principal, f Filter, page relay.Args) error {
	if err := access.Internal(p).Err(); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	_, err := page.Limit()
	return err
}

// Members are the page's members, in its order.
func (pg Page) Members() []*Member {
	members := make([]*Member, len(pg.Edges))
	for i, e := range pg.Edges {
		members[i] = e.Node
	}
	return members
}

// cursor is a member's place in the order: kind (employees, then guests and contacts, then
// temporary grants), name, id.
type cursor struct {
	Rank int
	Name string
	ID   string
}

// List groups the audience relation (sql with args, columns access.AudienceColumns) into members,
// applies f and returns the page after page.After with the total count, in one statement.
func List(ctx context.Context, db bun.IDB, sql string, args []any, f Filter, page relay.Args) (Page, error) {
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	limit, err := page.Limit()
	if err != nil {
		return Page{}, err
	}
	var after *cursor
	var k cursor
	if ok, err := page.Keys(&k.Rank, &k.Name, &k.ID); err != nil {
		return Page{}, err
	} else if ok {
		if !database.ValidUUID(k.ID) {
			return Page{}, apperr.Input("after", "not a cursor of this list")
		}
		after = &k
	}
	var having []string
	all := append([]any(nil), args...)
	if f.Rule != "" {
		having = append(having, "bool_or(g.rule = ?)")
		all = append(all, f.Rule)
	}
	if f.Right != nil {
		having = append(having, "max(g.level) >= ?")
		all = append(all, int(*f.Right))
	}
	if f.Kind != nil {
		having = append(having, "g.kind = ?")
		all = append(all, string(*f.Kind))
	}
	if f.Search != "" {
		having = append(having, "(g.name ILIKE ? OR g.email ILIKE ?)")
		pat := relay.ContainsPattern(f.Search)
		all = append(all, pat, pat)
	}
	havingSQL := ""
	if len(having) > 0 {
		havingSQL = " HAVING " + strings.Join(having, " AND ")
	}
	pageWhere := "true"
	if after != nil {
		pageWhere = "(m.rank, m.name, m.id) > (?, ?, ?::uuid)"
		all = append(all, after.Rank, after.Name, after.ID)
	}
	all = append(all, limit+1)
	// The members are grouped, filtered, counted and ordered on their ids, names and best right
	// alone; the grants, the costly part, are aggregated for the page's members only.
	q := `WITH g AS (` + sql + `),
m AS MATERIALIZED (
  SELECT g.kind, g.user_id, g.contact_id, g.grant_id, max(g.level) AS level,
         CASE g.kind WHEN 'INTERNAL' THEN 0 WHEN 'EXTERNAL' THEN 1 ELSE 2 END AS rank,
         COALESCE(g.user_id, g.contact_id, g.grant_id) AS id, g.name, g.email
  FROM g GROUP BY g.kind, g.user_id, g.contact_id, g.grant_id, g.name, g.email` + havingSQL + `),
p AS (SELECT * FROM m WHERE ` + pageWhere + ` ORDER BY m.rank, m.name, m.id LIMIT ?),
pg AS (
  SELECT p.id, jsonb_agg(jsonb_build_object('rule', g.rule, 'groupId', g.group_id, 'positionId', g.position_id, 'level', g.level)
                   ORDER BY g.rule, g.group_id, g.position_id) AS grants
  FROM p JOIN g ON p.kind = g.kind AND p.id = COALESCE(g.user_id, g.contact_id, g.grant_id) GROUP BY p.id)
SELECT t.total, p.kind, p.user_id, p.contact_id, p.grant_id, p.level, pg.grants, p.rank, p.id, p.name
FROM (SELECT count(*) AS total FROM m) t
LEFT JOIN p ON true LEFT JOIN pg ON pg.id = p.id
ORDER BY p.rank, p.name, p.id`
	var rows []struct {
		Total     int             `bun:"total"`
		Kind      *string         `bun:"kind"`
		UserID    *string         `bun:"user_id"`
		ContactID *string         `bun:"contact_id"`
		GrantID   *string         `bun:"grant_id"`
		Level     *int            `bun:"level"`
		Grants    json.RawMessage `bun:"grants"`
		Rank      *int            `bun:"rank"`
		ID        *string         `bun:"id"`
		Name      *string         `bun:"name"`
	}
	if err := db.NewRaw(q, all...).Scan(ctx, &rows); err != nil {
		return Page{}, fmt.Errorf("audience: %w", err)
	}
	var out Page
	var members []*Member
	for _, r := range rows {
		out.Total = r.Total
		if r.Kind == nil {
			continue // no member on this page: the lateral join's empty row
		}
		m := &Member{Kind: access.Kind(*r.Kind), UserID: deref(r.UserID), ContactID: deref(r.ContactID), GrantID: deref(r.GrantID),
			ID: deref(r.ID), Name: deref(r.Name), Rank: *r.Rank, Right: access.Right(*r.Level)}
		var gs []struct {
			Rule       string  `json:"rule"`
			GroupID    *string `json:"groupId"`
			PositionID *string `json:"positionId"`
			Level      int     `json:"level"`
		}
		if err := json.Unmarshal(r.Grants, &gs); err != nil {
			return Page{}, fmt.Errorf("audience grants: %w", err)
		}
		for _, g := range gs {
			m.Grants = append(m.Grants, Grant{Rule: g.Rule, GroupID: deref(g.GroupID), PositionID: deref(g.PositionID), Right: access.Right(g.Level)})
		}
		members = append(members, m)
	}
	out.Page = relay.NewPage(members, limit, func(m *Member) []any { return []any{m.Rank, m.Name, m.ID} })
	return out, nil
}

// Rules lists a member's rules once each, in the order of its grants.
func (m *Member) Rules() []string {
	var out []string
	for _, g := range m.Grants {
		if len(out) == 0 || out[len(out)-1] != g.Rule {
			out = append(out, g.Rule)
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
