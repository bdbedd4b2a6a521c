package app_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// TestFrontendExample runs the example of docs/frontend.md: Apollo Client 4 with its
// PersistedQueryLink logs in and runs a query by hash over GET against a test server. The script
// checks the protocol (GET by hash, not found, POST with the document; then GET by hash alone);
// this test checks what it reports against the server's data.
func TestFrontendExample(t *testing.T) {
	work := nodeProject(t, filepath.Join("..", "..", "docs", "testdata", "apollo"))
	s := gqltest.Start(t)
	admin := s.Admin()
	for _, name := range []string{"Kadry", "Zarząd"} {
		admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "apq.mjs")
	cmd.Dir = work
	cmd.Env = append(cmd.Environ(), "CASEGATE_URL="+s.URL, "CASEGATE_EMAIL="+gqltest.AdminEmail, "CASEGATE_PASSWORD="+gqltest.AdminPassword)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node apq.mjs: %v\n%s%s", err, out, stderr)
	}
	var got struct {
		OK   bool
		Kind string
		Me   struct {
			Kind string
			User struct{ Email string }
		}
		Groups []string
		First  string
		Second string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if !got.OK || got.Kind != "INTERNAL" || got.Me.User.Email != gqltest.AdminEmail || len(got.Groups) < 2 ||
		got.First != "GET,POST+query" || got.Second != "GET" {
		t.Fatalf("the example reported %s", out)
	}
	t.Logf("the example: %s", out)
}
