// Package scale fills a casegate database with a realistic company for the scale benchmarks
// (cmd/casegate-gen, cmd/casegate-load) and the plan guard tests: users in groups, a position tree,
// clients, procedure grants, cases over the shipped procedures with tasks, ACL entries and
// participants, and documents with ACLs and tasks. Rows are made server-side (INSERT … SELECT over
// generate_series) from random() seeded with setseed(), on one session and without parallel plans,
// so one seed always gives the same company, ids included (ids are md5 of seed, kind and ordinal).
package scale

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Password is the password of every generated user and of the principals.
const Password = "scale-password-1"

// Config sizes the company. Zero values take Full's.
type Config struct {
	Seed      int64
	Users     int
	Groups    int
	Positions int
	Clients   int
	Cases     int
	Documents int
	// PasswordHash is stored for every user (hash Password once; hashing per user would take hours).
	PasswordHash string
	// End is the newest creation time; cases and documents spread over the three years before it.
	End time.Time
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// Full is the size of the company.
func Full() Config {
	return Config{Seed: 1, Users: 10_000, Groups: 500, Positions: 2_000, Clients: 200, Cases: 1_000_000,
		Documents: 2_000_000, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

// Small is the same company with 2 % of its cases and documents, for tests.
func Small() Config {
	c := Full()
	c.Cases, c.Documents = 20_000, 40_000
	return c
}

func (c Config) withDefaults() Config {
	f := Full()
	for _, p := range []struct{ dst, def *int }{{&c.Users, &f.Users}, {&c.Groups, &f.Groups}, {&c.Positions, &f.Positions},
		{&c.Clients, &f.Clients}, {&c.Cases, &f.Cases}, {&c.Documents, &f.Documents}} {
		if *p.dst <= 0 {
			*p.dst = *p.def
		}
	}
	c.Clients = max(c.Clients, 2)
	c.Groups = max(c.Groups, 5) // procedure grants go to groups 1–4
	if c.End.IsZero() {
		c.End = f.End
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	return c
}

// Principal is one of the five principals the load command and the plan tests measure.
type Principal struct {
	Kind   string `json:"kind"`
	Email  string `json:"email"`
	UserID string `json:"userId"`
	Note   string `json:"note"`
}

// Principal kinds.
const (
	KindAdmin      = "admin"
	KindEmployee   = "employee"
	KindPosition   = "position"
	KindClientData = "client-data"
	KindOneACL     = "one-acl"
)

// Manifest describes a generated database: its size and the principals to log in as.
type Manifest struct {
	Seed       int64       `json:"seed"`
	Password   string      `json:"password"`
	Users      int         `json:"users"`
	Cases      int         `json:"cases"`
	Documents  int         `json:"documents"`
	Principals []Principal `json:"principals"`
}

// Get returns the principal of kind; ok is false when the manifest has none.
func (m *Manifest) Get(kind string) (Principal, bool) {
	for _, p := range m.Principals {
		if p.Kind == kind {
			return p, true
		}
	}
	return Principal{}, false
}

// gen runs the generation on one session, so that setseed and the session settings hold for every
// statement.
type gen struct {
	cfg     Config
	conn    bun.Conn
	ctx     context.Context
	indexes []indexDef // dropped for the load, built again after it
	chosen  []Principal
}

// Generate fills db, which must be migrated and hold no cases yet, and returns the manifest.
func Generate(ctx context.Context, db *bun.DB, cfg Config) (*Manifest, error) {
	cfg = cfg.withDefaults()
	if cfg.PasswordHash == "" {
		return nil, fmt.Errorf("scale: Config.PasswordHash is empty")
	}
	var n int
	if err := db.NewRaw(`SELECT count(*) FROM (SELECT 1 FROM cases LIMIT 1) x`).Scan(ctx, &n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, fmt.Errorf("scale: the database already holds cases; generate into an empty one")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	g := &gen{cfg: cfg, conn: conn, ctx: ctx}
	start := time.Now()
	if err := g.session(); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"people", g.people},
		{"drop secondary indexes", g.dropIndexes},
		{"pause case facts", g.pauseFacts},
		{"cases", g.cases},
		{"documents", g.documents},
		{"rebuild indexes", g.rebuildIndexes},
		// After the principals: their one ACL entry is written in replica mode, where the facts
		// triggers do not fire even when enabled.
		{"principals", g.principals},
		{"case facts", g.fillFacts},
		{"vacuum analyze", g.analyze},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.run(); err != nil {
			return nil, fmt.Errorf("scale: %s: %w", s.name, err)
		}
		cfg.Log("%-24s done in %v (total %v)", s.name, time.Since(t).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
	return g.manifest()
}

// session makes the one session fast and deterministic: no parallel plans (random() must run in
// one process, in scan order), no synchronised scans (a scan must start at the table's first
// page), asynchronous commit, memory for sorts and index builds, and no foreign-key triggers (the
// rows reference ids made from the same ordinals, so they hold by construction; without superuser
// the triggers stay and the load is slower). The sort-key triggers are off with them, so every
// insert into the rule tables writes case_created_at / document_created_at itself.
func (g *gen) session() error {
	for _, s := range []string{
		"SET max_parallel_workers_per_gather = 0",
		"SET synchronize_seqscans = off",
		"SET synchronous_commit = off",
		"SET work_mem = '256MB'",
		"SET maintenance_work_mem = '512MB'",
		"SET jit = off",
		fmt.Sprintf("SELECT setseed(%f)", float64(g.cfg.Seed%1_000_003)/1_000_003),
	} {
		if err := g.exec(s); err != nil {
			return err
		}
	}
	if err := g.exec("SET session_replication_role = replica"); err != nil {
		g.cfg.Log("foreign-key triggers stay on (%v): loading will be slower", err)
	}
	return nil
}

func (g *gen) exec(query string, args ...any) error {
	_, err := g.conn.ExecContext(g.ctx, query, args...)
	return err
}

// step runs one INSERT and logs its rows and time.
func (g *gen) step(name, query string, args ...any) error {
	t := time.Now()
	res, err := g.conn.ExecContext(g.ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	g.cfg.Log("  %-22s %10d rows in %v", name, n, time.Since(t).Round(time.Millisecond))
	return nil
}

// id is a SQL expression for the deterministic id of the kind's ordinal expr.
func (g *gen) id(kind, expr string) string {
	return fmt.Sprintf("md5('%d:%s:' || (%s))::uuid", g.cfg.Seed, kind, expr)
}

// randID is a SQL expression for the id of a random ordinal in 1..n.
func (g *gen) randID(kind string, n int) string {
	return g.id(kind, fmt.Sprintf("1 + floor(random() * %d)::int", n))
}

// ts is a SQL timestamptz literal.
func ts(t time.Time) string { return "timestamptz '" + t.UTC().Format("2006-01-02 15:04:05Z") + "'" }

func (g *gen) start() time.Time { return g.cfg.End.AddDate(-3, 0, 0) }

// Open connects to url like database.Open, but without its 10-second socket timeouts: one
// statement of the generator (or an EXPLAIN ANALYZE of a slow list) may run for minutes.
func Open(ctx context.Context, url string) (*bun.DB, error) {
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url), pgdriver.WithReadTimeout(0), pgdriver.WithWriteTimeout(0)))
	sqldb.SetMaxOpenConns(4)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}
