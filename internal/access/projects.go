package access

import "github.com/uptrace/bun"

// ListProjects decides whether p may list projects: employees and the system user see every
// project, a guest those of its company and those holding a case it reads; a temporary-access
// person, who is given one case and nothing around it, may not.
func ListProjects(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	switch p.Kind {
	case KindInternal, KindSystem, KindExternal:
		return Decision{Allowed: true, Rule: string(p.Kind)}
	}
	return Decision{Rule: RuleInternal}
}

// ProjectVisible is the project rule: employees and the system user see every project; a
// guest sees a project whose counterparty is its contact's company, and one holding a case it may
// read (readsACase: RightsOn gives it READ on some case of the project). VisibleProjects is the
// same rule in SQL.
func ProjectVisible(p *Principal, counterpartyID string, readsACase bool) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return true
	case KindExternal:
		return readsACase || p.CompanyID != "" && counterpartyID == p.CompanyID
	}
	return false
}

// VisibleProjects is ProjectVisible as a bun query modifier on projects (alias pj): one query,
// whose guest predicate is the counterparty or a case of the project that VisibleCases' guest
// rules open (checked against the engine by TestEngineAndSQLAgree in internal/cases).
func VisibleProjects(p *Principal) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		switch {
		case p == nil:
			return q.Where("false")
		case p.Kind == KindInternal, p.Kind == KindSystem:
			return q
		case p.Kind == KindExternal:
			cs := q.DB().NewSelect().TableExpr("cases AS c").Column("c.project_id").Where("c.project_id IS NOT NULL").
				WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return externalVisible(q, p) })
			return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				if p.CompanyID != "" {
					q = q.WhereOr("pj.counterparty_id = ?", p.CompanyID)
				}
				return q.WhereOr("pj.id IN (?)", cs)
			})
		}
		return q.Where("false")
	}
}
