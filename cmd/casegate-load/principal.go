package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/scale"
)

// listFigure is the latency of one list page for one principal.
type listFigure struct {
	who, what string
	s         stats
}

// rateFigure is case(id)'s throughput for one principal, beside the two baselines': the one that
// replays casegate's own SQL and the fixed one (one query, whatever casegate does).
type rateFigure struct {
	who                   string
	casegate, base, fixed rate
	// empty is `{ __typename }` with the same token: the server's HTTP, session and GraphQL work
	// with no case read and no field, the most any operation can reach against the fixed baseline.
	empty rate
}

type report struct {
	lists        []listFigure
	rates        []rateFigure
	rssKB, hwmKB int64
	clients      int
	notes        []string
}

// measure takes every figure for one logged-in principal.
func measure(ctx context.Context, o options, c *client, p scale.Principal, token string, r *report) error {
	list := func(query string, after *string) func() (*page, error) {
		return func() (*page, error) {
			var d listData
			vars := map[string]any{"after": after}
			if err := c.post(ctx, token, query, vars, &d); err != nil {
				return nil, err
			}
			return d.page(), nil
		}
	}
	var firstCases *page
	for _, l := range []struct{ name, query string }{{"cases", casesQuery}, {"documents", documentsQuery}} {
		first, err := list(l.query, nil)()
		if err != nil {
			return err
		}
		if l.name == "cases" {
			firstCases = first
		}
		s := sample(o.n, o.budget, func() error { _, err := list(l.query, nil)(); return err })
		r.addList(p.Kind, l.name+" page 1", s, fmt.Sprintf("%d rows", len(first.Edges)))
		if o.showSQL {
			prof, err := profileSQL(ctx, o.dbURL, token, l.query, map[string]any{"after": nil}, 9)
			fmt.Printf("   %-28s %s%s\n", "  its SQL", prof, errNote(err))
		}
		explain(ctx, o, token, l.name, l.query, nil, s)
		if after := walk(o, p.Kind, l.name, list, l.query, r); after != nil {
			explain(ctx, o, token, l.name, l.query, after, r.lists[len(r.lists)-1].s)
		}
	}
	if len(firstCases.Edges) == 0 {
		r.notes = append(r.notes, p.Kind+": no readable case, so no case(id) figures")
		return nil
	}
	return caseFigures(ctx, o, c, p, token, firstCases, r)
}

// explain prints the plan of a list query whose p50 missed the target, with -explain.
func explain(ctx context.Context, o options, token, table, query string, after *string, s stats) {
	if !o.explain || s.err != nil || s.p(0.5) <= targetP50 {
		return
	}
	plan, err := explainList(ctx, o.dbURL, token, query, map[string]any{"after": after}, table)
	if err != nil {
		fmt.Printf("   (no plan: %v)\n", err)
		return
	}
	fmt.Printf("   EXPLAIN (ANALYZE, BUFFERS) of that %s list query:\n      %s\n", table, strings.ReplaceAll(strings.TrimSpace(plan), "\n", "\n      "))
}

// walk follows the list to page 20 o.walks times (median walk reported), then measures page 20;
// it returns the cursor page 20 starts after (nil when the list is shorter).
func walk(o options, who, name string, list func(string, *string) func() (*page, error), query string, r *report) *string {
	var walks []time.Duration
	var cursor *string // after which page 20 starts
	reached := 0
	for range o.walks {
		start := time.Now()
		var after *string
		reached = 0
		for reached < pagesToWalk {
			pg, err := list(query, after)()
			if err != nil {
				r.addList(who, fmt.Sprintf("%s page %d", name, reached+1), stats{err: err}, "")
				return nil
			}
			reached++
			if reached == pagesToWalk-1 {
				cursor = pg.PageInfo.EndCursor
			}
			if !pg.PageInfo.HasNextPage {
				break
			}
			after = pg.PageInfo.EndCursor
		}
		walks = append(walks, time.Since(start))
	}
	slices.Sort(walks)
	w := walks[len(walks)/2]
	if reached < pagesToWalk {
		fmt.Printf("   %-28s the list ends at page %d (walk %s): no page 20\n", name+" walk", reached, ms(w))
		return nil
	}
	r.addList(who, name+" page 20", sample(o.n, o.budget, func() error { _, err := list(query, cursor)(); return err }),
		fmt.Sprintf("walk of 20 pages %s", ms(w)))
	return cursor
}

func (r *report) addList(who, what string, s stats, note string) {
	r.lists = append(r.lists, listFigure{who, what, s})
	if s.err != nil {
		fmt.Printf("   %-28s FAILED: %v\n", what, s.err)
		return
	}
	fmt.Printf("   %-28s p50 %9s %-9s p99 %9s %-9s n=%-4d %s\n", what, ms(s.p(0.5)), mark(s.p(0.5) <= targetP50),
		ms(s.p(0.99)), mark(s.p(0.99) <= targetP99), len(s.times), note)
}

// caseFigures measures case(id) on the first case of the principal's list: latency, throughput
// with o.clients clients, and the baseline's throughput on the same SQL.
func caseFigures(ctx context.Context, o options, c *client, p scale.Principal, token string, first *page, r *report) error {
	node := first.Edges[0].Node
	if node.Procedure == nil {
		return fmt.Errorf("case %s came without its procedure", node.ID)
	}
	q, err := caseQuery(node.Procedure.Key)
	if err != nil {
		return err
	}
	vars := map[string]any{"id": node.ID}
	one := func() error { return c.post(ctx, token, q, vars, nil) }
	s := sample(o.n, o.budget, one)
	if s.err != nil {
		return fmt.Errorf("case(id): %w", s.err)
	}
	fmt.Printf("   %-28s p50 %9s           p99 %9s           n=%-4d %s (%s)\n", "case(id) all fields", ms(s.p(0.5)), ms(s.p(0.99)),
		len(s.times), node.ID, node.Procedure.Key)
	cg := hammer(o.clients, o.duration, one)
	queries, err := captureSQL(ctx, o.dbURL, token, q, vars)
	if err != nil {
		return err
	}
	if o.showSQL {
		prof, err := profileSQL(ctx, o.dbURL, token, q, vars, 21)
		fmt.Printf("   %-28s %s%s\n", "  its SQL", prof, errNote(err))
	}
	url, stop, err := serveBaseline(ctx, o.dbURL, queries)
	if err != nil {
		return err
	}
	defer stop()
	bc := newClient(url)
	base := hammer(o.clients, o.duration, func() error { return bc.post(ctx, "", "{}", nil, nil) })
	stop()
	furl, fstop, err := serveFixedBaseline(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer fstop()
	fc := newClient(furl)
	if err := fc.post(ctx, token, "{}", vars, nil); err != nil {
		return fmt.Errorf("fixed baseline: %w", err)
	}
	fixed := hammer(o.clients, o.duration, func() error { return fc.post(ctx, token, "{}", vars, nil) })
	fstop()
	empty := hammer(o.clients, o.duration, func() error { return c.post(ctx, token, emptyQuery, nil, nil) })
	r.rates = append(r.rates, rateFigure{p.Kind, cg, base, fixed, empty})
	ratio := cg.perSec / base.perSec
	fmt.Printf("   %-28s %7.0f req/s %-9s (%d done, %d failed%s)\n", fmt.Sprintf("case(id) × %d clients", o.clients),
		cg.perSec, mark(cg.perSec >= targetRate), cg.done, cg.failed, errNote(cg.firstErr))
	fmt.Printf("   %-28s %7.0f req/s           (%d done, %d failed%s; replays casegate's %d queries: %s)\n", "baseline, same SQL",
		base.perSec, base.done, base.failed, errNote(base.firstErr), len(queries), queryKinds(queries))
	fmt.Printf("   %-28s %7.2f       %s\n", "casegate / baseline", ratio, mark(ratio >= targetRatio))
	fmt.Printf("   %-28s %7.0f req/s           (%d done, %d failed%s; token and case in one query)\n", "fixed baseline",
		fixed.perSec, fixed.done, fixed.failed, errNote(fixed.firstErr))
	fratio := cg.perSec / fixed.perSec
	fmt.Printf("   %-28s %7.2f       %s\n", "casegate / fixed baseline", fratio, mark(fratio >= targetFixedRatio))
	fmt.Printf("   %-28s %7.0f req/s           (%d done, %d failed%s; %s with the token: no case, no field)\n", "empty operation",
		empty.perSec, empty.done, empty.failed, errNote(empty.firstErr), emptyQuery)
	fmt.Printf("   %-28s %7.2f       (the ceiling of casegate / fixed baseline on this machine)\n", "empty / fixed baseline",
		emptyRatio(r.rates[len(r.rates)-1]))
	return nil
}

func errNote(err error) string {
	if err == nil {
		return ""
	}
	return "; first error: " + err.Error()
}

// queryKinds names each query by the first table of its outermost FROM, for the report.
func queryKinds(queries []string) string {
	var out []string
	for _, q := range queries {
		out = append(out, outerTable(q))
	}
	return strings.Join(out, ", ")
}

func outerTable(q string) string {
	depth := 0
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '(':
			depth++
		case ')':
			depth--
		case 'F':
			if depth == 0 && strings.HasPrefix(q[i:], "FROM ") {
				if fs := strings.Fields(q[i+5:]); len(fs) > 0 {
					return strings.Trim(fs[0], `"`)
				}
			}
		}
	}
	return strings.Fields(q)[0]
}
