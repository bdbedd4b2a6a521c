package cases

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
)

// Filter narrows a case list by what cases are, never by form values: a filter on a value could
// tell a caller something about a field hidden from it.
type Filter struct {
	Procedure  string
	Stage      string
	ProjectID  string
	ClientID   string
	PositionID string
	// MyTasks keeps the cases where the effective user holds an active task.
	MyTasks bool
}

// List returns the cases p may read, newest first, by one SQL query whose predicate is the case
// rules (access.VisibleCases, or access.KeyedCases for a principal without broad rules); each row is
// then decided in Go for its modes.
func (s *Service) List(ctx context.Context, p *access.Principal, f Filter, page relay.Args) (relay.Page[*Case], error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return relay.Page[*Case]{}, err
	}
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[*Case]{}, err
	}
	// The page's ids first (the predicate, the order and the limit, on the index alone where it
	// can), then those rows with their facts: the facts' sub-selects run for the page only.
	ids := s.DB.NewSelect().Column("c.id").Limit(int64(limit)+1).
		Where("c.procedure IN (?)", bun.In(s.procedureKeys())) // a retired procedure's cases are not listed
	keyed := false
	if !s.AccessOff {
		scope, err := s.scope(ctx, s.DB, p)
		if err != nil {
			return relay.Page[*Case]{}, err
		}
		if k, ok := access.KeyedCases(p, scope, (*access.ListKey)(after)); ok {
			// The rules' keys from the cursor on, ordered, then joined to cases: only the page's
			// cases (and those the filters skip) are read.
			ids.TableExpr("(?) AS k", k).Join("JOIN cases AS c ON c.id = k.id").OrderExpr("k.at DESC, k.id DESC")
			keyed = true
		} else {
			ids.Apply(access.VisibleCases(p, scope))
		}
	}
	if !keyed {
		ids.TableExpr("cases AS c").OrderExpr("c.created_at DESC, c.id DESC")
		if after != nil {
			ids.Where("(c.created_at, c.id) < (?, ?::uuid)", after.At, after.ID)
		}
	}
	if !applyFilter(ids, p, f) {
		return relay.NewPage([]*Case{}, limit, caseKeys), nil
	}
	var rows []*Case
	q := s.DB.NewSelect().Model(&rows).Apply(withFacts).Where("c.id IN (?)", ids).OrderExpr("c.created_at DESC, c.id DESC")
	if err := q.Scan(ctx); err != nil {
		return relay.Page[*Case]{}, err
	}
	visible := rows[:0]
	for _, c := range rows {
		if err := s.decide(ctx, s.DB, p, c); err != nil {
			return relay.Page[*Case]{}, err
		}
		if c.decision.Right < access.Read {
			// The SQL predicate and the engine disagree: a bug, caught by TestEngineAndSQLAgree.
			slog.ErrorContext(ctx, "case list predicate returned a case the engine denies", "case", c.ID)
			continue
		}
		visible = append(visible, c)
	}
	return relay.NewPage(visible, limit, caseKeys), nil
}

func caseKeys(c *Case) []any { return []any{c.CreatedAt, c.ID} }

// applyFilter adds f to q; false when a filter names a malformed id, so nothing can match.
func applyFilter(q *bun.SelectQuery, p *access.Principal, f Filter) bool {
	if f.Procedure != "" {
		q.Where("c.procedure = ?", f.Procedure)
	}
	if f.Stage != "" {
		q.Where("c.stage = ?", f.Stage)
	}
	for _, id := range []struct{ col, id string }{{"c.project_id", f.ProjectID}, {"c.client_id", f.ClientID}, {"c.position_id", f.PositionID}} {
		if id.id == "" {
			continue
		}
		if !database.ValidUUID(id.id) {
			return false
		}
		q.Where("? = ?", bun.Ident(id.col), id.id)
	}
	if f.MyTasks {
		if p.UserID == "" {
			return false
		}
		q.Where("c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.user_id = ? AND t.active)", p.UserID)
	}
	return true
}

// Forms lists the cases of one procedure as forms.
func (s *Service) Forms(ctx context.Context, p *access.Principal, procedure string, page relay.Args) (relay.Page[*Form], error) {
	if _, err := s.procedure(procedure); err != nil {
		return relay.Page[*Form]{}, err
	}
	cs, err := s.List(ctx, p, Filter{Procedure: procedure}, page)
	if err != nil {
		return relay.Page[*Form]{}, err
	}
	out := relay.Page[*Form]{HasNext: cs.HasNext, StartCursor: cs.StartCursor, EndCursor: cs.EndCursor, Edges: make([]relay.Edge[*Form], len(cs.Edges))}
	for i, e := range cs.Edges {
		f, err := s.form(e.Node)
		if err != nil {
			return relay.Page[*Form]{}, err
		}
		out.Edges[i] = relay.Edge[*Form]{Cursor: e.Cursor, Node: f}
	}
	return out, nil
}

// scope is what the case predicate needs from the procedures' settings in force: which keep
// access after a task, and which p reads through a procedure grant.
func (s *Service) scope(ctx context.Context, db bun.IDB, p *access.Principal) (access.CaseScope, error) {
	sc := access.CaseScope{Procedures: s.procedureKeys(), KeepAccess: s.keepAccess()}
	for _, proc := range s.Registry.All() {
		comp, err := s.compiled(ctx, db, p, proc)
		if err != nil {
			return sc, err
		}
		if access.GrantRight(p, comp.Form.Grants) >= access.Read {
			sc.Granted = append(sc.Granted, proc.Key)
		}
	}
	return sc, nil
}

// keepAccess lists the procedures whose past assignees keep READ.
func (s *Service) keepAccess() []string {
	var out []string
	for _, p := range s.Registry.All() {
		if p.KeepAccessAfterTask {
			out = append(out, p.Key)
		}
	}
	return out
}

// procedureKeys lists the registered procedures.
func (s *Service) procedureKeys() []string {
	var out []string
	for _, p := range s.Registry.All() {
		out = append(out, p.Key)
	}
	return out
}
