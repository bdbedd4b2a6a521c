package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/nodetest"
)

// TestFrontendExample runs the example of docs/frontend.md: Apollo Client 4 with its
// PersistedQueryLink logs in and runs a query by hash over GET against a test server. The script
// checks the protocol (GET by hash, not found, POST with the document; then GET by hash alone);
// this test checks what it reports against the server's data.
func TestFrontendExample(t *testing.T) {
	// The versions of docs/testdata/apollo/package-lock.json, pinned (the example's package.json
	// gives ranges, for readers who copy it).
	work := nodetest.Install(t, "@apollo/client@4.3.8", "graphql@16.15.0", "rxjs@7.8.2")
	script, err := os.ReadFile(filepath.Join("..", "..", "docs", "testdata", "apollo", "apq.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	s := gqltest.Start(t)
	admin := s.Admin()
	for _, name := range []string{"Kadry", "Zarząd"} {
		admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t)
	}
	t.Setenv("CASEGATE_URL", s.URL)
	t.Setenv("CASEGATE_EMAIL", gqltest.AdminEmail)
	t.Setenv("CASEGATE_PASSWORD", gqltest.AdminPassword)
	out := nodetest.Run(t, work, nodetest.ESModule, string(script), time.Minute)
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
