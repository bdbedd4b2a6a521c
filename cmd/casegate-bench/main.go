// Command casegate-bench measures what access enforcement costs end to end: one GraphQL query
// returning 200 cases with all their form fields, run through the real HTTP handler against
// PostgreSQL, once with enforcement on and once with it switched off (a switch only this harness
// sets), interleaved in the same run. The last line printed is the ratio enforced / off.
//
//	go run ./cmd/casegate-bench [-database-url URL] [-cases 200] [-rounds 200]
//
// It creates a scratch database on the server at -database-url (default: DATABASE_URL, else the
// local server on 127.0.0.1:5432), fills it, measures, and drops it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/migrations"
)

const query = `{ salaryChanges(first: 200) { edges { node { id
	employee { employeeName department justification }
	compensation { currentSalary requestedSalary } } } } }`

func main() {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dbURL := flag.String("database-url", base, "PostgreSQL server to create the scratch database on")
	n := flag.Int("cases", 200, "cases to create (the query returns up to 200)")
	rounds := flag.Int("rounds", 200, "measured requests per mode")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), `casegate-bench — measures what access enforcement costs end to end: one GraphQL query
returning 200 cases with all their form fields, through the real HTTP handler, with enforcement on
and off, interleaved; the last line printed is the ratio enforced / off.

Needs: a PostgreSQL server at -database-url (default: DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres) as a user who may create databases: it creates a
scratch database there, fills it, measures and drops it. No casegate server needs to run.

Usage: go run ./cmd/casegate-bench [flags]

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(context.Background(), *dbURL, *n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "casegate-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, base string, n, rounds int) error {
	db, drop, err := scratch(ctx, base)
	if err != nil {
		return err
	}
	defer drop()
	var queries atomic.Int64
	db.AddQueryHook(counter{&queries})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Defaults()
	cfg.AdminEmail, cfg.AdminPassword = "admin@bench.test", "bench-password-1"
	fast := password.Params{Memory: 1024, Time: 1, Threads: 1}
	on, err := app.New(ctx, cfg, db, logger, app.Options{Password: &fast})
	if err != nil {
		return err
	}
	off, err := app.New(ctx, cfg, db, logger, app.Options{Password: &fast, AccessOff: true})
	if err != nil {
		return err
	}
	token, err := seed(ctx, on, n)
	if err != nil {
		return err
	}
	onSrv, offSrv := httptest.NewServer(on.Handler), httptest.NewServer(off.Handler)
	defer onSrv.Close()
	defer offSrv.Close()

	// Both answers must hold the same cases; the enforced one hides the requested salary.
	onBody, err := post(onSrv.URL, token)
	if err != nil {
		return err
	}
	offBody, err := post(offSrv.URL, token)
	if err != nil {
		return err
	}
	if err := compare(onBody, offBody, n); err != nil {
		return err
	}
	for range 20 { // warm up both
		_, _ = post(onSrv.URL, token)
		_, _ = post(offSrv.URL, token)
	}
	type mode struct {
		url     string
		times   []time.Duration
		queries int64
	}
	enforced, unenforced := &mode{url: onSrv.URL}, &mode{url: offSrv.URL}
	for i := range rounds {
		order := []*mode{enforced, unenforced}
		if i%2 == 1 { // alternate which mode goes first, so neither profits from the other's warm caches
			order[0], order[1] = order[1], order[0]
		}
		for _, m := range order {
			before := queries.Load()
			start := time.Now()
			if _, err := post(m.url, token); err != nil {
				return err
			}
			m.times = append(m.times, time.Since(start))
			m.queries += queries.Load() - before
		}
	}
	tOn, tOff, qOn, qOff := enforced.times, unenforced.times, enforced.queries, unenforced.queries
	mOn, mOff := median(tOn), median(tOff)
	fmt.Printf("query: salaryChanges(first: 200) with all 5 form fields, %d cases in the database, %d requests per mode, interleaved\n", n, rounds)
	fmt.Printf("enforced: median %v, p90 %v, %.1f SQL queries per request\n", mOn, percentile(tOn, 0.9), float64(qOn)/float64(rounds))
	fmt.Printf("off:      median %v, p90 %v, %.1f SQL queries per request\n", mOff, percentile(tOff, 0.9), float64(qOff)/float64(rounds))
	fmt.Printf("ratio enforced/off = %.3f (target ≤ 1.15)\n", float64(mOn)/float64(mOff))
	return nil
}

// seed creates the salary example: groups, a reader in Kadry, the lists on requestedSalary, and n
// cases with values, read by the reader through a procedure grant.
func seed(ctx context.Context, a *app.App, n int) (string, error) {
	r := a.Resolver
	sys := access.System()
	kadry, err := r.GroupService.Create(ctx, sys, "Kadry")
	if err != nil {
		return "", err
	}
	dyr, err := r.GroupService.Create(ctx, sys, "Dyrektorzy")
	if err != nil {
		return "", err
	}
	reader, err := r.UserService.Create(ctx, sys, userInput("reader@bench.test"))
	if err != nil {
		return "", err
	}
	if _, err := r.GroupService.AddMember(ctx, sys, kadry.ID, reader.ID); err != nil {
		return "", err
	}
	author, err := r.UserService.Create(ctx, sys, userInput("author@bench.test"))
	if err != nil {
		return "", err
	}
	if _, err := r.GroupService.AddMember(ctx, sys, dyr.ID, author.ID); err != nil {
		return "", err
	}
	visible, modify := []access.Ref{{GroupID: dyr.ID}}, []access.Ref{{GroupID: dyr.ID}}
	if _, err := r.FormService.SetAccess(ctx, sys, "salary-change", "compensation.requestedSalary", true,
		setting(visible, modify)); err != nil {
		return "", err
	}
	if _, err := r.FormService.GrantProcedureAccess(ctx, sys, "salary-change", access.Ref{GroupID: kadry.ID}, access.Read); err != nil {
		return "", err
	}
	p, err := r.AuthService.PrincipalFor(ctx, author.ID)
	if err != nil {
		return "", err
	}
	for i := range n {
		if _, err := r.CaseService.Create(ctx, p, "salary-change", cases.CreateInput{Values: map[string]any{
			"employee":     map[string]any{"employeeName": fmt.Sprintf("Pracownik %d", i), "department": "Sprzedaż", "justification": "Awans"},
			"compensation": map[string]any{"currentSalary": "8000.00", "requestedSalary": "9000.00"},
		}}); err != nil {
			return "", err
		}
	}
	res, err := r.AuthService.Login(ctx, "reader@bench.test", "bench-password-1", "127.0.0.1")
	if err != nil {
		return "", err
	}
	return res.Token, nil
}

func compare(on, off []byte, n int) error {
	var a, b struct {
		Data struct {
			SalaryChanges struct {
				Edges []struct {
					Node struct {
						ID           string
						Compensation struct{ RequestedSalary *string }
					}
				}
			}
		}
		Extensions map[string]any
	}
	if err := json.Unmarshal(on, &a); err != nil {
		return err
	}
	if err := json.Unmarshal(off, &b); err != nil {
		return err
	}
	want := min(n, 200)
	if len(a.Data.SalaryChanges.Edges) != want || len(b.Data.SalaryChanges.Edges) != want {
		return fmt.Errorf("enforced returned %d cases, off %d, want %d", len(a.Data.SalaryChanges.Edges), len(b.Data.SalaryChanges.Edges), want)
	}
	if a.Data.SalaryChanges.Edges[0].Node.Compensation.RequestedSalary != nil || b.Data.SalaryChanges.Edges[0].Node.Compensation.RequestedSalary == nil {
		return fmt.Errorf("enforcement did not hide the requested salary (or off hid it)")
	}
	if h, _ := a.Extensions["hiddenFields"].([]any); len(h) != want {
		return fmt.Errorf("enforced run listed %d hidden fields, want %d", len(h), want)
	}
	return nil
}

func post(u, token string) ([]byte, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, u+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	return b, err
}

func median(ds []time.Duration) time.Duration { return percentile(ds, 0.5) }

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// scratch creates and migrates a fresh database on the server at base; drop removes it.
func scratch(ctx context.Context, base string) (*bun.DB, func(), error) {
	admin, err := database.Open(ctx, base)
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "casegate_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, nil, err
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	db, err := database.Open(ctx, u.String())
	drop := func() {
		if db != nil {
			db.Close()
		}
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	if err != nil {
		drop()
		return nil, nil, err
	}
	if _, err := migrations.Up(ctx, db); err != nil {
		drop()
		return nil, nil, err
	}
	return db, drop, nil
}

type counter struct{ n *atomic.Int64 }

func (c counter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (c counter) AfterQuery(_ context.Context, _ *bun.QueryEvent)                    { c.n.Add(1) }
