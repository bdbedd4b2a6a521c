package app_test

import (
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// demoServer is a server with the demo data loaded (ACME, its project, its guest Jan Klient, the
// salary example), configured as configure says.
func demoServer(t *testing.T, configure ...func(*config.Config)) *gqltest.Server {
	t.Helper()
	s := gqltest.Start(t, configure...)
	if err := s.App.LoadDemo(t.Context(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return s
}

var graphqlBlock = regexp.MustCompile("(?s)```graphql\n(.*?)```")

// readmeBlocks is the graphql blocks of the README's section under heading, as written there; a
// section with other than want blocks fails the test, so a walkthrough cannot lose a step unseen.
func readmeBlocks(t *testing.T, heading string, want int) []string {
	t.Helper()
	var blocks []string
	for _, m := range graphqlBlock.FindAllStringSubmatch(readmeText(t, heading), -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) != want {
		t.Fatalf("%d graphql blocks in the section %q, want %d", len(blocks), heading, want)
	}
	return blocks
}

// readmeRunner sends a README block as c, its placeholders (the keys of ids, which the caller
// fills in as the walkthrough learns them) replaced, and logs the request and the answer.
func readmeRunner(t *testing.T, ids map[string]string) func(c *gqltest.Client, q string) *gqltest.Response {
	return func(c *gqltest.Client, q string) *gqltest.Response {
		t.Helper()
		for k, v := range ids {
			q = strings.ReplaceAll(q, k, v)
		}
		r := c.Do(q, nil)
		t.Logf("%s\n=> %s %v %v", q, r.Data, r.Errors, r.Extensions)
		return r
	}
}

// readmeText is the README's section under heading.
func readmeText(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return readmeSection(string(b), heading)
}

// readmeSection is the README's section that starts with heading, up to the next one of its level.
func readmeSection(readme, heading string) string {
	i := strings.Index(readme, heading)
	if i < 0 {
		panic("no README section " + heading)
	}
	sec := readme[i:]
	if j := strings.Index(sec[len(heading):], "\n## "); j >= 0 {
		sec = sec[:len(heading)+j]
	}
	return sec
}
