// Package audience lists who can read a case or a document: the audience relation that the access
// engine builds as SQL (access.CaseAudience, access.DocumentAudience), grouped into one member per
// person, contact or temporary grant, filtered, counted and paged here.
package audience

import (
	"context"

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

// List groups the audience relation (sql with args, columns access.AudienceColumns plus name and
// email) into members, applies f and returns the page after page.After with the total count.
//
// It counts first, then finds the page one of two ways. Sorting groups every member, then sorts
// them: its cost grows with the audience. Walking reads the employees in name order (users_name_idx)
// and asks the relation, one employee at a time, whether and how they read: its cost grows with how
// many employees it passes over per member, so it is used when members are dense among the
// employees (dense), and only for employees, who come first in the order; members of other kinds
// after them are found by sorting, which then sees only those. A case that ten thousand employees
// read has its first page in a few milliseconds this way instead of some tens.
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
	rel := relation{sql: sql, args: args, f: f}
	total, employees, err := rel.count(ctx, db)
	if err != nil {
		return Page{}, err
	}
	var members []*Member
	if total > 0 {
		if rel.walkable(after) && dense(total, employees) {
			members, err = rel.walk(ctx, db, after, limit+1)
			if err == nil && len(members) <= limit && rel.beyondEmployees() {
				var rest []*Member
				rest, err = rel.sorted(ctx, db, 1, nil, limit+1-len(members))
				members = append(members, rest...)
			}
		} else {
			members, err = rel.sorted(ctx, db, 0, after, limit+1)
		}
		if err != nil {
			return Page{}, err
		}
	}
	return Page{Total: total, Page: relay.NewPage(members, limit, func(m *Member) []any { return []any{m.Rank, m.Name, m.ID} })}, nil
}

// dense says whether walking the employees in name order finds a page sooner than sorting the
// members: a walk passes over about employees/total employees per member found, each a few index
// look-ups, against a few microseconds per member to group and sort them all (figures in
// docs/performance.md). employees is the planner's estimate of the users (negative before the
// table's first ANALYZE: then sorting, which is always right).
func dense(total int, employees float64) bool {
	return WalkRatio == 0 || (employees > 0 && float64(total)*float64(total) >= WalkRatio*employees)
}

// WalkRatio is the break-even of dense: walk when total² ≥ WalkRatio × users, from about 2,250
// members in 10,000 users. 0 walks whenever the page starts among the employees; the agreement
// tests set it so to check that both ways give the same pages.
var WalkRatio = 500.0

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
