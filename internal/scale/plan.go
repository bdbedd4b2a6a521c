package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// Recorder is a bun query hook that keeps the SQL of every query run through the database (bun
// formats the arguments into the text, so each entry can be run again or explained as it is).
type Recorder struct {
	mu      sync.Mutex
	queries []string
}

var _ bun.QueryHook = (*Recorder)(nil)

// BeforeQuery implements bun.QueryHook.
func (r *Recorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery implements bun.QueryHook.
func (r *Recorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	r.queries = append(r.queries, e.Query)
	r.mu.Unlock()
}

// Take returns the queries recorded since the last Take and forgets them.
func (r *Recorder) Take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// PlanNode is one node of EXPLAIN (FORMAT JSON) output.
type PlanNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Alias     string     `json:"Alias"`
	Index     string     `json:"Index Name"`
	Subplan   string     `json:"Subplan Name"`
	TotalCost float64    `json:"Total Cost"`
	PlanRows  float64    `json:"Plan Rows"`
	Plans     []PlanNode `json:"Plans"`
}

// Explain returns the plan PostgreSQL chooses for query (not run).
func Explain(ctx context.Context, db bun.IDB, query string) (PlanNode, error) {
	var raw string
	if err := db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query).Scan(&raw); err != nil {
		return PlanNode{}, fmt.Errorf("explain: %w", err)
	}
	var out []struct {
		Plan PlanNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		return PlanNode{}, fmt.Errorf("explain: unexpected output %.200s: %v", raw, err)
	}
	return out[0].Plan, nil
}

// ExplainText returns the text plan of query; with analyze the query runs and the plan carries
// times and buffers.
func ExplainText(ctx context.Context, db bun.IDB, query string, analyze bool) (string, error) {
	opts := "COSTS"
	if analyze {
		opts = "ANALYZE, BUFFERS"
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN ("+opts+") "+query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), rows.Err()
}

// SeqScans lists the relations the plan reads by a sequential scan, anywhere in the tree
// (subplans included).
func (n PlanNode) SeqScans() []string {
	var out []string
	if n.NodeType == "Seq Scan" {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, c.SeqScans()...)
	}
	return out
}

// Scans lists every scan node as "Node Type on relation [using index]", for messages.
func (n PlanNode) Scans() []string {
	var out []string
	if n.Relation != "" {
		s := n.NodeType + " on " + n.Relation
		if n.Index != "" {
			s += " using " + n.Index
		}
		out = append(out, s)
	}
	for _, c := range n.Plans {
		out = append(out, c.Scans()...)
	}
	return out
}

// PlanCompany generates the plan tests' company (Small, analyzed; nobody logs in) and starts
// recording the SQL db runs from then on, so a test can EXPLAIN exactly what a service built.
func PlanCompany(ctx context.Context, db *bun.DB) (*Manifest, *Recorder, error) {
	cfg := Small()
	cfg.PasswordHash = "not-used"
	m, err := Generate(ctx, db, cfg)
	if err != nil {
		return nil, nil, err
	}
	rec := &Recorder{}
	db.AddQueryHook(rec)
	return m, rec, nil
}
