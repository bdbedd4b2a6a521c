package app_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

// TestReadmeTemporaryAccessFlow sends the README's temporary-access requests as they are written
// there (placeholders filled in), so the walkthrough cannot drift from what the server answers.
func TestReadmeTemporaryAccessFlow(t *testing.T) {
	b, _ := os.ReadFile("../../README.md")
	readme := string(b)
	sec := readme[strings.Index(readme, "## Temporary access: a candidate"):strings.Index(readme, "## Procedures are GraphQL types")]
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
