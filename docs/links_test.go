// Package docs holds the tests of casegate's documentation: README.md, ARCHITECTURE.md and the
// pages in this folder must stand on their own, so every link stays inside the repository and
// resolves, and no page sends the reader to a specification or folder they do not have.
package docs

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	fence      = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```")
	inlineCode = regexp.MustCompile("`[^`\n]*`")
	link       = regexp.MustCompile(`\]\(([^)\s]+)\)|<(https?://[^>]+)>`)
	// A page that cites a specification by section, or a folder beside the repository, leaves its
	// reader without the rule it means. (The section sign is written \x{a7}, so that this file does
	// not itself show one.)
	outside = regexp.MustCompile(`\.\./shared|(?i)\bspec\b|\x{a7}`)
	heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
)

// pages are the documentation files, as paths relative to this folder.
func pages(t *testing.T) []string {
	t.Helper()
	md, err := filepath.Glob("*.md")
	if err != nil || len(md) == 0 {
		t.Fatalf("no docs/*.md (%v)", err)
	}
	return append([]string{"../README.md", "../ARCHITECTURE.md"}, md...)
}

// prose is a page without its code: links and words inside code are examples, not references.
func prose(s string) string {
	return inlineCode.ReplaceAllString(fence.ReplaceAllString(s, ""), "")
}

// TestNoReferencesOutsideTheRepository fails on a reference to a specification or a folder beside
// the repository, in the prose or in the code of a page.
func TestNoReferencesOutsideTheRepository(t *testing.T) {
	for _, p := range pages(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d refers to %q, which the repository does not hold; say the rule in the page's own words:\n\t%s", p, i+1, m, line)
			}
		}
	}
}

// TestLinksResolve follows every link of every page: a relative one must name a file or folder in
// the repository (and a heading of it, when it has an anchor); an absolute one may only point at
// the local server the pages tell the reader to start.
func TestLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(prose(string(b)), -1) {
			target := m[1] + m[2]
			if err := check(root, p, target); err != "" {
				t.Errorf("%s: link %s: %s", p, target, err)
			}
		}
	}
}

// check says what is wrong with the link target on page p, or "".
func check(root, p, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return err.Error()
	}
	if u.Scheme != "" {
		if (u.Scheme == "http" || u.Scheme == "https") && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost") {
			return ""
		}
		return "leaves the repository; state what the reader needs in the page instead"
	}
	file := p
	if u.Path != "" {
		file = filepath.Join(filepath.Dir(p), filepath.FromSlash(u.Path))
		abs, err := filepath.Abs(file)
		if err != nil {
			return err.Error()
		}
		if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
			return "points outside the repository"
		}
		if _, err := os.Stat(file); err != nil {
			return "no such file in the repository"
		}
	}
	if u.Fragment == "" {
		return ""
	}
	if !strings.HasSuffix(file, ".md") {
		return "an anchor on a file that is not Markdown"
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	if !anchors(string(b))[u.Fragment] {
		return "no heading with the anchor #" + u.Fragment + " in " + filepath.ToSlash(file)
	}
	return ""
}

// anchors are the ids GitHub gives the headings of a Markdown page: lower case, spaces to
// hyphens, punctuation other than hyphens and underscores dropped, repeats numbered -1, -2, ….
func anchors(page string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(page, ""), -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || isWord(r):
				b.WriteRune(r)
			}
		}
		id := b.String()
		if n := seen[id]; n > 0 {
			out[id+"-"+itoa(n)] = true
		} else {
			out[id] = true
		}
		seen[id]++
	}
	return out
}

func isWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && !strings.ContainsRune("–—…“”‘’«»\u00a7·", r)
}

func itoa(n int) string { return strconv.Itoa(n) }

// The slug rule itself, on headings the pages link to.
func TestAnchors(t *testing.T) {
	a := anchors("# A\n## Error codes (`extensions.code`)\n### Embedded PostgreSQL: start, stop and crashes\n## A\n```\n## not a heading\n```\n## Zażółć gęślą\n")
	for _, want := range []string{"a", "a-1", "error-codes-extensionscode", "embedded-postgresql-start-stop-and-crashes", "zażółć-gęślą"} {
		if !a[want] {
			t.Errorf("no anchor %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a line in a code block made an anchor")
	}
}

// TestSchemaDescriptionsStandAlone: the schema's descriptions are documentation too (GraphiQL shows
// them), so they may not cite the specification either. Comments (#) are for the code's readers.
func TestSchemaDescriptionsStandAlone(t *testing.T) {
	cite := regexp.MustCompile(`\bSPEC\b|\x{a7}|\.\./shared`)
	err := filepath.WalkDir("../schema", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".graphqls") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if m := cite.FindString(line); m != "" {
				t.Errorf("%s:%d: a description cites %q:\n\t%s", p, i+1, m, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
