package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
)

// A bad configuration stops the binary before anything starts, with a non-zero exit status and one
// line that names the environment variable and the flag: no stack trace, no PostgreSQL started.
func TestStartupErrorsAreOneLine(t *testing.T) {
	bin := binary(t, "casegate")
	busy := busyAddr(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"database URL without scheme", []string{"DATABASE_URL=localhost:5432/casegate"}, []string{"serve"},
			"casegate: DATABASE_URL (--database-url): not a PostgreSQL URL; expected postgres://user:password@host:5432/database?sslmode=disable"},
		{"public URL without scheme", []string{"DATABASE_URL=" + dbtest.NewURL(t), "CASEGATE_PUBLIC_URL=example.com"}, []string{"migrate", "status"},
			"casegate: CASEGATE_PUBLIC_URL (--public-url): must be an http:// or https:// address"},
		{"busy listen address", nil, []string{"serve", "--addr", busy.String()},
			"casegate: CASEGATE_ADDR (--addr): cannot listen on " + busy.String() + ": bind: address already in use"},
		{"unknown flag", nil, []string{"serve", "--port", "8080"}, "casegate: unknown flag --port; did you mean --addr?"},
		{"misspelt flag of migrate", nil, []string{"migrate", "--data-dri", "x", "status"}, "casegate: unknown flag --data-dri; did you mean --data-dir?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			env := append(withoutDatabaseURL(os.Environ()), tc.env...)
			out, code := runBinaryEnv(t, nil, env, bin, append(tc.args, "--data-dir", dataDir, "--pg-port", strings.TrimPrefix(freeAddr(t), "127.0.0.1:"))...)
			if code == 0 {
				t.Fatalf("exit status 0; said:\n%s", out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, tc.want) {
				t.Fatalf("said:\n%s\nwant one line starting %q", out, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dataDir, "pgdata")); !os.IsNotExist(err) {
				t.Fatalf("PostgreSQL was started before the error (%v)", err)
			}
		})
	}
}

// Every command under cmd/ answers --help with what it is for and what it needs.
func TestEveryCommandHasHelp(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		out, code := runBinary(t, nil, binary(t, name), "--help")
		if code != 0 {
			t.Errorf("%s --help: exit status %d\n%s", name, code, out)
		}
		if !strings.HasPrefix(out, name+" — ") {
			t.Errorf("%s --help does not start by saying what it is for (%q):\n%s", name, name+" — …", out)
		}
		if !strings.Contains(out, "\nNeeds: ") {
			t.Errorf("%s --help does not say what it needs (a paragraph starting \"Needs: \"):\n%s", name, out)
		}
	}
}

// A busy port for the embedded PostgreSQL ends the command with a line naming the setting that
// moves it, before anything is written to the cluster's folder.
func TestBusyPostgreSQLPort(t *testing.T) {
	bin := binary(t, "casegate")
	port := strconv.Itoa(busyAddr(t).Port)
	for _, args := range [][]string{{"serve", "--addr", freeAddr(t)}, {"migrate", "status"}} {
		t.Run(args[0], func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			out, code := runBinaryEnv(t, nil, withoutDatabaseURL(os.Environ()), bin, append(args, "--data-dir", dataDir, "--pg-port", port)...)
			want := "casegate: CASEGATE_PG_PORT (--pg-port): port " + port + " on 127.0.0.1, where the embedded PostgreSQL listens, is already in use"
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code == 0 || !strings.HasPrefix(lines[len(lines)-1], want) || strings.Contains(out, "goroutine") {
				t.Fatalf("exit status %d, said:\n%s\nwant a last line starting %q", code, out, want)
			}
			if _, err := os.Stat(filepath.Join(dataDir, "pgdata")); !os.IsNotExist(err) {
				t.Fatalf("PostgreSQL's folder was made before the error (%v)", err)
			}
		})
	}
}
