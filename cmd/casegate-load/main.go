// Command casegate-load measures a running casegate over HTTP on a database filled by
// casegate-gen, as the five principals of its manifest (admin, ordinary employee, position holder,
// client-data member, one-ACL user): cases(first: 50) and documents(first: 50), the walk to page 20
// and page 20 itself, case(id) with all fields (generic and typed query), its throughput with 32
// concurrent clients beside two bare net/http baselines (one replaying casegate's own SQL, a fixed
// one that authenticates the token and reads the case in one query) and the empty operation
// ({ __typename } with the token, the most any operation can reach against the fixed baseline),
// and the server's memory. Each figure is printed with its target; the last line is a one-line summary.
//
//	go run ./cmd/casegate-gen                                  # once: casegate_scale, scale-principals.json
//	go run ./cmd/casegate serve --database-url postgres://postgres@127.0.0.1:5432/casegate_scale?sslmode=disable
//	go run ./cmd/casegate-load [-url http://127.0.0.1:8080] [-n 200] [-duration 10s] [-pid PID]
//	go run ./cmd/casegate-load -audience   # caseAudience(first: 50) of a case 10,000 users read
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/procstat"
	"github.com/casegate/casegate/internal/scale"
)

// Targets of issue 4 on this 2-core machine.
const (
	targetP50   = 10 * time.Millisecond
	targetP99   = 50 * time.Millisecond
	targetRate  = 1500.0
	targetRatio = 0.5 // against the baseline replaying casegate's own SQL
	// targetFixedRatio is against the fixed baseline (issue 13): one query for the token and the
	// case, whatever casegate's SQL is.
	targetFixedRatio = 0.8
	targetRSSMiB     = 300
	pagesToWalk      = 20
	concurrentMax    = 32
)

type options struct {
	url, principals, dbURL string
	n, walks, clients, pid int
	duration, budget       time.Duration
	only                   string
	showSQL, explain       bool
	audience               bool
}

func main() {
	def := os.Getenv("DATABASE_URL")
	if def == "" {
		def = "postgres://postgres@127.0.0.1:5432/casegate_scale?sslmode=disable"
	}
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the running casegate")
	flag.StringVar(&o.principals, "principals", "scale-principals.json", "manifest written by casegate-gen")
	flag.StringVar(&o.dbURL, "database-url", def, "the server's database, for the baseline (same SQL, same pool settings)")
	flag.IntVar(&o.n, "n", 200, "requests per latency figure (fewer when -budget runs out; at least 5)")
	flag.DurationVar(&o.budget, "budget", 20*time.Second, "time limit of one latency figure")
	flag.IntVar(&o.walks, "walks", 3, "walks to page 20 per list (the median is reported)")
	flag.IntVar(&o.clients, "clients", concurrentMax, "concurrent clients of the throughput runs")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each throughput run")
	flag.IntVar(&o.pid, "pid", 0, "server process id (default: the process listening on -url's port)")
	flag.StringVar(&o.only, "only", "", "comma-separated principal kinds to measure (default all five)")
	flag.BoolVar(&o.showSQL, "show-sql", false, "print the SQL casegate runs for case(id) (what the baseline replays)")
	flag.BoolVar(&o.audience, "audience", false, "measure only caseAudience(first: 50) as the administrator, of a case readable by 10,000 users (made if none: a group of every user on the newest case's ACL, written to -database-url)")
	flag.BoolVar(&o.explain, "explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of each list query whose p50 misses the target")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), `casegate-load — measures a running casegate over HTTP on a database filled by
casegate-gen: list pages, deep pages, case(id), throughput with concurrent clients beside two bare
net/http baselines (casegate's own SQL replayed; a fixed one: token and case in one query), and the server's memory, each figure with its target.

Needs: a casegate server at -url serving the database casegate-gen filled, the manifest
casegate-gen wrote (-principals), that database at -database-url (default: DATABASE_URL) for the
baseline, and the server's process on this machine (found by its port, or -pid) for its memory.
Build it from the same tree as the server.

  go run ./cmd/casegate-gen
  go run ./cmd/casegate serve --database-url postgres://postgres@127.0.0.1:5432/casegate_scale?sslmode=disable
  go run ./cmd/casegate-load [flags]

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "casegate-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	b, err := os.ReadFile(o.principals)
	if err != nil {
		return fmt.Errorf("%w (run casegate-gen first)", err)
	}
	var m scale.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	pid, err := serverPID(o)
	if err != nil {
		return err
	}
	c := newClient(strings.TrimSuffix(o.url, "/") + "/graphql")
	if o.audience {
		fmt.Printf("casegate at %s; company of %d users (seed %d); load average %s\n", o.url, m.Users, m.Seed, procstat.LoadAverage())
		return measureAudience(ctx, o, c, m)
	}
	fmt.Printf("casegate at %s (pid %d, %s); company of %d users, %d cases, %d documents (seed %d); load average %s\n",
		o.url, pid, procstat.Name(pid), m.Users, m.Cases, m.Documents, m.Seed, procstat.LoadAverage())
	fmt.Printf("targets: list pages p50 ≤ %v and p99 ≤ %v; case(id) ≥ %.0f req/s at %d clients; casegate/baseline ≥ %.1f; casegate/fixed baseline ≥ %.1f; RSS ≤ %d MiB\n\n",
		targetP50, targetP99, targetRate, o.clients, targetRatio, targetFixedRatio, targetRSSMiB)
	r := &report{clients: o.clients}
	for _, p := range m.Principals {
		if o.only != "" && !strings.Contains(","+o.only+",", ","+p.Kind+",") {
			continue
		}
		var login struct{ Login struct{ Token string } }
		if err := c.post(ctx, "", loginQuery, map[string]any{"email": p.Email, "password": m.Password}, &login); err != nil {
			return fmt.Errorf("log in as %s: %w", p.Email, err)
		}
		fmt.Printf("== %s: %s — %s\n", p.Kind, p.Email, p.Note)
		if err := measure(ctx, o, c, p, login.Login.Token, r); err != nil {
			return fmt.Errorf("%s: %w", p.Kind, err)
		}
		fmt.Println()
	}
	rss, hwm, err := procstat.Memory(pid)
	if err != nil {
		return err
	}
	r.rssKB, r.hwmKB = rss, hwm
	fmt.Printf("load average at the end: %s (2 cores; other work on the machine slows every figure)\n", procstat.LoadAverage())
	fmt.Printf("server memory: VmRSS %d MiB, VmHWM (peak) %d MiB — target ≤ %d MiB %s\n\n", rss/1024, hwm/1024, targetRSSMiB, mark(hwm/1024 <= targetRSSMiB))
	for _, n := range r.notes {
		fmt.Println("note:", n)
	}
	fmt.Println(r.summary())
	return nil
}

func serverPID(o options) (int, error) {
	if o.pid != 0 {
		return o.pid, nil
	}
	return procstat.ListenerPIDOfURL(o.url)
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗ MISSED"
}
