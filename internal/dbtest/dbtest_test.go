package dbtest_test

import (
	"os"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

func TestNewGivesMigratedIsolatedDatabases(t *testing.T) {
	a, b := dbtest.New(t), dbtest.New(t)
	if _, err := a.Exec(`INSERT INTO groups (name) VALUES ('only-in-a')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(`SELECT count(*) FROM groups WHERE name = 'only-in-a'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("databases are shared: %d rows leaked", n)
	}
	var key string
	if err := b.QueryRow(`SELECT key FROM groups WHERE key = 'client-data'`).Scan(&key); err != nil {
		t.Fatalf("built-in client-data group missing: %v", err)
	}
}
