// Package dbtest gives tests a fresh, migrated PostgreSQL database each, cloned from a template that
// is migrated once per schema version. It finds a server the way a developer would expect: the URL
// in CASEGATE_TEST_DATABASE_URL or DATABASE_URL, else the local server on 127.0.0.1:5432, else the
// same embedded PostgreSQL the server uses (started once per test process, stopped by Run).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/pgembed"
	"github.com/casegate/casegate/migrations"
)

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
	embedded   *pgembed.Instance
	embedDir   string

	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Run runs the package's tests and stops the embedded server if this process started one. Use it
// from TestMain: func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }.
func Run(m *testing.M) int {
	code := m.Run()
	if embedded != nil {
		if err := embedded.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest: stop embedded postgres:", err)
		}
		_ = os.RemoveAll(embedDir)
	}
	return code
}

// New returns a bun.DB on a new database for this test, dropped when the test ends.
func New(t testing.TB) *bun.DB {
	t.Helper()
	return Open(t, NewURL(t))
}

// Open opens another pool on a test database (a second replica, say), closed when the test ends.
func Open(t testing.TB, url string) *bun.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// NewURL creates a new migrated database for this test and returns its URL; it is dropped when the
// test ends (after every connection to it is closed by the test's own cleanups).
func NewURL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatalf("dbtest: no PostgreSQL: %v", err)
	}
	tpl, err := template(base)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	name := "casegate_t_" + randomHex(6)
	admin, err := database.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(base, name) })
	return withDatabase(base, name)
}

// NewEmptyURL creates a new, empty database (no migrations applied) for this test and returns its
// URL; it is dropped when the test ends.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatalf("dbtest: no PostgreSQL: %v", err)
	}
	name := "casegate_t_" + randomHex(6)
	admin, err := database.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(base, name) })
	return withDatabase(base, name)
}

func drop(base, name string) {
	admin, err := database.Open(context.Background(), base)
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
}

func server() (string, error) {
	serverOnce.Do(func() { serverURL, serverErr = findServer() })
	return serverURL, serverErr
}

func findServer() (string, error) {
	// CASEGATE_TEST_EMBEDDED=1 skips the URL and local-server lookup: always the embedded server.
	if os.Getenv("CASEGATE_TEST_EMBEDDED") != "1" {
		for _, env := range []string{"CASEGATE_TEST_DATABASE_URL", "DATABASE_URL"} {
			if u := os.Getenv(env); u != "" {
				return u, nil
			}
		}
		local := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		if answers(local) {
			return local, nil
		}
	}
	dir, err := os.MkdirTemp("", "casegate-dbtest-")
	if err != nil {
		return "", err
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	inst, err := pgembed.Start(context.Background(), pgembed.Options{DataDir: dir, Port: port})
	if err != nil {
		return "", fmt.Errorf("start embedded postgres: %w", err)
	}
	embedded, embedDir = inst, dir
	return inst.URL("postgres"), nil
}

func answers(dsn string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return false
	}
	_ = db.Close()
	return true
}

// template returns the name of the migrated template database for the current migrations, creating
// it under an advisory lock so that test processes running side by side build it once.
func template(base string) (string, error) {
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(base) })
	return templateName, templateErr
}

func ensureTemplate(base string) (string, error) {
	ctx := context.Background()
	name := "casegate_tpl_" + migrationsHash()
	admin, err := database.Open(ctx, base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7212026)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(7212026)`) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_new"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	db, err := database.Open(ctx, withDatabase(base, building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, db)
	_ = db.Close()
	if err != nil {
		return "", err
	}
	// Renaming last means a template that exists is always complete.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsHash names the template after the migration files, so a changed schema gets a new one.
func migrationsHash() string {
	h := sha256.New()
	root := migrationsDir()
	var names []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".sql") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := os.ReadFile(n)
		h.Write([]byte(filepath.Base(n)))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func migrationsDir() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "migrations")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "migrations"
		}
		dir = parent
	}
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func freePort() (uint32, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint32(l.Addr().(*net.TCPAddr).Port), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
