package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

func TestMigrateCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", dbtest.NewURL(t))
	migrate := func(arg string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(t.Context(), []string{"migrate", arg}, &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("migrate %s: %v", arg, err)
		}
		return out.String()
	}
	if s := migrate("status"); strings.Contains(s, "pending") || !strings.Contains(s, "20261123000001_identity\tapplied") {
		t.Fatalf("status of a migrated database:\n%s", s)
	}
	if s := migrate("up"); !strings.Contains(s, "nothing to migrate") {
		t.Fatalf("up twice: %s", s)
	}
	if s := migrate("down"); !strings.Contains(s, "rolled back") {
		t.Fatalf("down: %s", s)
	}
	if s := migrate("status"); !strings.Contains(s, "pending") {
		t.Fatalf("status after down:\n%s", s)
	}
	if s := migrate("up"); !strings.Contains(s, "migrated to") {
		t.Fatalf("up after down: %s", s)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "sideways"}, &out, &out); err == nil {
		t.Fatal("migrate sideways accepted")
	}
}
