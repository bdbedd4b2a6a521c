package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeProject prepares the Node project in dir (its package.json and scripts) for a test: a copy
// in the user's cache, keyed by the package.json, with its dependencies npm-installed once. It
// skips the test when node or npm is missing or the registry cannot be reached, and fails it
// instead when CASEGATE_NODE_TESTS=required. It returns the folder to run scripts in.
//
// A stand-in for the shared internal/nodetest package; the merger may swap it.
func nodeProject(t *testing.T, dir string) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CASEGATE_NODE_TESTS") == "required" {
			t.Fatalf(format+" (CASEGATE_NODE_TESTS=required)", args...)
		}
		t.Skipf(format, args...)
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable("%s is not installed", tool)
		}
	}
	pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256(pkg)
	work := filepath.Join(cache, "casegate", "node", hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(work, "node_modules", ".package-lock.json")); err != nil {
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "package.json"), pkg, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefer-offline")
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			unavailable("npm install failed (is the registry reachable?): %v\n%s", err, tail(out))
		}
	}
	// The scripts are copied every time: they change without the package.json changing.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".mjs") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
