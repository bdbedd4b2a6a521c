// Package nodetest runs Node.js scripts in tests that need a JavaScript client or tool (the
// graphql-http audit of the GraphQL endpoint, Apollo Client): it finds node and npm, installs
// pinned npm packages once into a cache shared by test runs, and runs a script beside them.
//
//	dir := nodetest.Install(t, "graphql-http@1.23.1", "graphql@16.15.0") // skips without Node.js
//	out := nodetest.Run(t, dir, nodetest.CommonJS, script, time.Minute, url)
//
// Run writes the script into dir, so require() and import find the packages installed there.
//
// Without node or npm in PATH, or when npm cannot reach its registry, the test skips, unless
// CASEGATE_NODE_TESTS=required (or CI=true) says that it must run: .ci/run installs Node.js and
// sets it. Packages go to <user cache dir>/casegate/nodetest/<hash of the sorted package list>,
// installed in a temporary folder and renamed into place, so test binaries running at once never
// see half an installation; pin every version (name@1.2.3), since the first installation of a list
// is kept for good.
package nodetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// RequiredEnv names the variable that turns a missing Node.js (or npm registry) from a skip into a
// failure.
const RequiredEnv = "CASEGATE_NODE_TESTS"

func required() bool {
	return os.Getenv(RequiredEnv) == "required" || os.Getenv("CI") == "true"
}

// skipOrFail skips the test, or fails it where Node.js tests are required.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if required() {
		t.Fatal(msg + "; Node.js tests are required here (" + RequiredEnv + "=required or CI=true)")
	}
	t.Skip(msg + "; the Node.js test is skipped (" + RequiredEnv + "=required makes it fail)")
}

// Require returns the path of node, or skips the test (fails it where required) when node or npm
// is not in PATH.
func Require(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		node, err = exec.LookPath("nodejs") // older Debian names it so
	}
	if err != nil {
		skipOrFail(t, "no node in PATH: install Node.js, e.g. apt-get install nodejs npm")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		skipOrFail(t, "no npm in PATH: install it, e.g. apt-get install npm")
	}
	return node
}

// pinned is a package with an exact version: name@1.2.3 or @scope/name@1.2.3-beta.1.
var pinned = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*@[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`)

// installTimeout bounds one npm install.
const installTimeout = 5 * time.Minute

// Install makes sure the packages (each name@exact-version) are installed and returns the folder
// whose node_modules holds them. It requires Node.js (Require) and skips the test (fails it where
// required) when npm cannot reach its registry.
func Install(t testing.TB, pkgs ...string) string {
	t.Helper()
	Require(t)
	if len(pkgs) == 0 {
		t.Fatal("nodetest.Install: no packages")
	}
	sorted := slices.Sorted(slices.Values(pkgs))
	for _, p := range sorted {
		if !pinned.MatchString(p) {
			t.Fatalf("nodetest.Install: %q is not name@exact-version: pin every package, since an installation is kept for good", p)
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	root, err := os.UserCacheDir()
	if err != nil {
		root = os.TempDir()
	}
	root = filepath.Join(root, "casegate", "nodetest")
	dir := filepath.Join(root, hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, ".installed")); err == nil {
		return dir
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	tmp, err := os.MkdirTemp(root, "install-*")
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	defer os.RemoveAll(tmp) // gone once renamed
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	args := append([]string{"install", "--no-audit", "--no-fund", "--no-update-notifier", "--save-exact",
		"--fetch-retries=1", "--fetch-timeout=60000"}, sorted...)
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := "npm install " + strings.Join(sorted, " ") + ": " + err.Error() + "\n" + string(out)
		if unreachable(out) || ctx.Err() != nil {
			skipOrFail(t, "npm cannot reach its registry: "+msg)
		}
		t.Fatal(msg)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".installed"), []byte(strings.Join(sorted, "\n")+"\n"), 0o644); err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another test binary installed the same list meanwhile: use its installation.
		if _, statErr := os.Stat(filepath.Join(dir, ".installed")); statErr != nil {
			t.Fatalf("nodetest: %v", err)
		}
	}
	return dir
}

// unreachable reports whether npm's output says that the registry could not be reached.
func unreachable(out []byte) bool {
	for _, code := range []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "network"} {
		if bytes.Contains(out, []byte(code)) {
			return true
		}
	}
	return false
}

// Module kinds of a script: how node reads it.
const (
	CommonJS = ".cjs" // require()
	ESModule = ".mjs" // import
)

// Run runs script (CommonJS or ESModule) with node, with args, from a file in dir so that the
// packages installed there resolve, and returns its standard output. The test fails when the
// script exits with an error, with its standard error shown; it must end within timeout.
func Run(t testing.TB, dir, kind, script string, timeout time.Duration, args ...string) []byte {
	t.Helper()
	node := Require(t)
	f, err := os.CreateTemp(dir, "script-*"+kind)
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	t.Cleanup(func() { _ = os.Remove(f.Name()) })
	if _, err := f.WriteString(script); err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{f.Name()}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("node script ran over %s\nstdout:\n%s\nstderr:\n%s", timeout, stdout.Bytes(), stderr.Bytes())
		}
		t.Fatalf("node script: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}
