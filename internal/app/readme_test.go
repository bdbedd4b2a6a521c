package app_test

import (
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestReadmeTemporaryAccessFlow sends the README's temporary-access requests as they are written
// there (placeholders filled in), so the walkthrough cannot drift from what the server answers.
func TestReadmeTemporaryAccessFlow(t *testing.T) {
	b, _ := os.ReadFile("../../README.md")
	readme := string(b)
	sec := readmeSection(readme, "## Temporary access: a candidate")
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(sec, -1)
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "kadry@casegate.test", "Kadry")
	kadry := s.Login("kadry@casegate.test", "user-password-1")
	var ids = map[string]string{}
	run := func(c *gqltest.Client, q string) *gqltest.Response {
		for k, v := range ids {
			q = strings.ReplaceAll(q, k, v)
		}
		r := c.Do(q, nil)
		t.Logf("%s\n=> %s %v", q, r.Data, r.Errors)
		return r
	}
	run(admin, blocks[0][1]).MustOK(t)
	var c struct{ CreateCandidateQuestionnaire struct{ ID string } }
	run(kadry, blocks[1][1]).MustOK(t).Decode(t, &c)
	ids["<id>"] = c.CreateCandidateQuestionnaire.ID
	var g struct{ GrantTemporaryAccess struct{ ID string } }
	run(kadry, blocks[2][1]).MustOK(t).Decode(t, &g)
	link := inviteLink(t, s)
	ids["<the link or its token>"] = link
	ids["<the link>"] = link
	run(s.Anonymous(), blocks[3][1]).MustOK(t)
	deliverAll(t, s)
	msgs := s.SMS.WaitFor(t, 1, 5*time.Second)
	code := codeRE.FindStringSubmatch(msgs[0].Text)[1]
	q := strings.ReplaceAll(blocks[4][1], "123456", code)
	var v struct{ VerifyAccessCode struct{ Token string } }
	run(s.Anonymous(), q).MustOK(t).Decode(t, &v)
	person := s.WithToken(v.VerifyAccessCode.Token)
	ids["<caseId>"] = c.CreateCandidateQuestionnaire.ID
	parts := regexp.MustCompile(`\n\s*mutation`).Split(blocks[5][1], 2)
	run(person, parts[0]).MustOK(t)
	run(person, "mutation"+parts[1]).MustOK(t)
	run(person, blocks[6][1]).MustOK(t)
	parts = regexp.MustCompile(`\n\s*mutation`).Split(blocks[7][1], 2)
	ids["<grant id>"] = g.GrantTemporaryAccess.ID
	run(kadry, parts[0]).MustOK(t)
	run(kadry, "mutation"+parts[1]).MustOK(t)
}

// TestReadmeSubstitutionFlow sends the README's substitution requests as they are written there,
// on the demo data they name.
func TestReadmeSubstitutionFlow(t *testing.T) {
	b, _ := os.ReadFile("../../README.md")
	readme := string(b)
	sec := readmeSection(readme, "## Work as a substitute")
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(sec, -1)
	if len(blocks) != 8 {
		t.Fatalf("%d graphql blocks in the section", len(blocks))
	}
	s := gqltest.Start(t)
	if err := s.App.LoadDemo(t.Context(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	kadry := s.Login("kadry@demo.casegate.test", app.DemoPassword)
	piotr := s.Login("pracownik@demo.casegate.test", app.DemoPassword)
	danuta := s.Login("dyrektor@demo.casegate.test", app.DemoPassword)
	ids := map[string]string{"<a day, YYYY-MM-DD>": warsawDay(s, 2), "<a later day>": warsawDay(s, 5)}
	run := func(c *gqltest.Client, q string) *gqltest.Response {
		for k, v := range ids {
			q = strings.ReplaceAll(q, k, v)
		}
		r := c.Do(q, nil)
		t.Logf("%s\n=> %s %v", q, r.Data, r.Errors)
		return r
	}
	var users struct {
		Users struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	run(kadry, blocks[0][1]).MustOK(t).Decode(t, &users)
	ids["<Piotr's id>"] = users.Users.Edges[0].Node.ID
	var created struct{ CreateSubstitution struct{ ID string } }
	run(kadry, blocks[1][1]).MustOK(t).Decode(t, &created)
	ids["<substitution id>"] = created.CreateSubstitution.ID
	var avail struct {
		Me struct{ AvailableSubstitutions []struct{ ID string } }
	}
	run(piotr, blocks[2][1]).MustOK(t).Decode(t, &avail)
	if len(avail.Me.AvailableSubstitutions) != 1 {
		t.Fatalf("Piotr may start %+v", avail.Me.AvailableSubstitutions)
	}
	var started struct {
		StartSubstitution struct{ User, NativeUser struct{ Name string } }
	}
	run(piotr, blocks[3][1]).MustOK(t).Decode(t, &started)
	if started.StartSubstitution.User.Name != "Karolina Kadrowa" || started.StartSubstitution.NativeUser.Name != "Piotr Pracownik" {
		t.Fatalf("started %+v", started)
	}
	var tasks struct {
		MyTasks struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	run(piotr, blocks[4][1]).MustOK(t).Decode(t, &tasks)
	if len(tasks.MyTasks.Edges) != 1 || !strings.HasPrefix(tasks.MyTasks.Edges[0].Node.Title, "Kandydat") {
		t.Fatalf("Karolina's tasks as Piotr sees them: %+v", tasks)
	}
	ids["<case id>"] = tasks.MyTasks.Edges[0].Node.ID
	var com struct{ AddComment struct{ Byline string } }
	run(piotr, blocks[5][1]).MustOK(t).Decode(t, &com)
	if com.AddComment.Byline != "Piotr Pracownik on behalf of Karolina Kadrowa" {
		t.Fatalf("byline %q", com.AddComment.Byline)
	}
	var ended struct {
		EndSubstitution struct {
			User         struct{ Name string }
			Substitution *struct{ ID string }
		}
	}
	run(piotr, blocks[6][1]).MustOK(t).Decode(t, &ended)
	if ended.EndSubstitution.User.Name != "Piotr Pracownik" || ended.EndSubstitution.Substitution != nil {
		t.Fatalf("ended %+v", ended)
	}
	var ext struct{ ExtendSubstitution struct{ DateTo string } }
	run(danuta, blocks[7][1]).MustOK(t).Decode(t, &ext)
	if ext.ExtendSubstitution.DateTo != warsawDay(s, 5) {
		t.Fatalf("extended %+v", ext)
	}
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
