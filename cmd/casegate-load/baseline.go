package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/scale"
)

// captureSQL runs one request through an in-process casegate on the same database, with the
// running server's code and default configuration, and returns the SQL it ran, in order: exactly
// what the baseline then runs. bun formats the arguments into the text, so each query runs as is.
func captureSQL(ctx context.Context, dbURL, token, query string, vars map[string]any) ([]string, error) {
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rec := &scale.Recorder{}
	db.AddQueryHook(rec)
	a, err := app.New(ctx, config.Defaults(), db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return nil, err
	}
	defer a.Close() //nolint:errcheck
	// The request runs twice and the second is captured: the first also compiles the procedures'
	// settings, which a running server has compiled already (forms.SettingsCache).
	for range 2 {
		rec.Take()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
			return nil, fmt.Errorf("capture: status %d: %.300s", w.Code, w.Body.String())
		}
	}
	return rec.Take(), nil
}

// baseline is the bare handler: the same SQL casegate runs for the request, one query after
// another on a pool configured like casegate's (database.Open), every row encoded as JSON. No
// GraphQL, no access decisions: what is left when those cost nothing.
type baseline struct {
	db      *sql.DB
	queries []string
}

func (b *baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	results := make([][]map[string]any, 0, len(b.queries))
	for _, q := range b.queries {
		rows, err := b.rows(r.Context(), q)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
			return
		}
		results = append(results, rows)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": results})
}

func (b *baseline) rows(ctx context.Context, q string) ([]map[string]any, error) {
	rows, err := b.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if vals[i] != nil {
				row[c] = string(vals[i])
			} else {
				row[c] = nil
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// fixedBaseline is the bare handler whose cost does not move with casegate: it authenticates the
// bearer token and reads the case with its form values in one SQL query, encoded as JSON. No
// GraphQL, no access decisions, no facts: the least a server can do to answer case(id).
type fixedBaseline struct{ db *sql.DB }

// fixedSQL authenticates the token (a live session of an active user) and reads the case.
const fixedSQL = `SELECT c.id, c.procedure, c.stage, c.title, c.form_values
FROM sessions s JOIN users u ON u.id = s.user_id AND u.status = 'ACTIVE', cases c
WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now() AND c.id = $2`

func (b *fixedBaseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Variables struct {
			ID string `json:"id"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	hash := sha256.Sum256([]byte(token))
	var c struct {
		ID        string          `json:"id"`
		Procedure string          `json:"procedure"`
		Stage     string          `json:"stage"`
		Title     string          `json:"title"`
		Values    json.RawMessage `json:"formValues"`
	}
	err := b.db.QueryRowContext(r.Context(), fixedSQL, hex.EncodeToString(hash[:]), body.Variables.ID).
		Scan(&c.ID, &c.Procedure, &c.Stage, &c.Title, &c.Values)
	if errors.Is(err, sql.ErrNoRows) {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": "not found"}}})
		return
	}
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": err.Error()}}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"case": c}})
}

// serveBaseline starts the baseline replaying queries on a loopback port; stop shuts it down.
func serveBaseline(ctx context.Context, dbURL string, queries []string) (url string, stop func(), err error) {
	return serveOnPool(ctx, dbURL, func(db *sql.DB) http.Handler { return &baseline{db: db, queries: queries} })
}

// serveFixedBaseline starts the fixed baseline on a loopback port; stop shuts it down.
func serveFixedBaseline(ctx context.Context, dbURL string) (url string, stop func(), err error) {
	return serveOnPool(ctx, dbURL, func(db *sql.DB) http.Handler { return &fixedBaseline{db: db} })
}

// serveOnPool serves a handler on a pool configured like casegate's (database.Open).
func serveOnPool(ctx context.Context, dbURL string, h func(*sql.DB) http.Handler) (url string, stop func(), err error) {
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: h(db.DB)}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/", func() { _ = srv.Close(); _ = db.Close() }, nil
}

// explainList prints the plan, with times and buffers, of the list query casegate runs for one
// list request (captured like the baseline's SQL).
func explainList(ctx context.Context, dbURL, token, query string, vars map[string]any, table string) (string, error) {
	queries, err := captureSQL(ctx, dbURL, token, query, vars)
	if err != nil {
		return "", err
	}
	for _, q := range queries {
		if strings.Contains(q, `FROM "`+table+`" AS`) && strings.Contains(q, "LIMIT") {
			db, err := scale.Open(ctx, dbURL)
			if err != nil {
				return "", err
			}
			defer db.Close()
			return scale.ExplainText(ctx, db, q, true)
		}
	}
	return "", fmt.Errorf("no %s list query among the %d captured", table, len(queries))
}

// profileSQL captures the SQL of one request and times each query alone (median of runs): where
// a request's database time goes.
func profileSQL(ctx context.Context, dbURL, token, query string, vars map[string]any, runs int) (string, error) {
	queries, err := captureSQL(ctx, dbURL, token, query, vars)
	if err != nil {
		return "", err
	}
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var b strings.Builder
	var total time.Duration
	for _, q := range queries {
		var times []time.Duration
		for range runs {
			t := time.Now()
			rows, err := db.DB.QueryContext(ctx, q)
			if err != nil {
				return "", err
			}
			for rows.Next() {
			}
			rows.Close()
			times = append(times, time.Since(t))
		}
		slices.Sort(times)
		total += times[len(times)/2]
		fmt.Fprintf(&b, "%s %s, ", outerTable(q), ms(times[len(times)/2]))
	}
	return fmt.Sprintf("%d queries, %s alone in total: %s", len(queries), ms(total), strings.TrimSuffix(b.String(), ", ")), nil
}
