package app_test

import (
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

const substitutionFields = `id dateFrom dateTo startsAt endsAt active forwardEmails status
	substituted { id } substitute { id } createdBy { id }`

type substitutionOut struct {
	ID, DateFrom, DateTo string
	StartsAt, EndsAt     time.Time
	Active               bool
	ForwardEmails        bool
	Status               string
	Substituted          struct{ ID string }
	Substitute           struct{ ID string }
	CreatedBy            *struct{ ID string }
}

func createSubstitution(c *gqltest.Client, in map[string]any) *gqltest.Response {
	return c.Do(`mutation($in: SubstitutionInput!) { createSubstitution(input: $in) { `+substitutionFields+` } }`,
		map[string]any{"in": in})
}

func updateSubstitution(c *gqltest.Client, id string, in map[string]any) *gqltest.Response {
	return c.Do(`mutation($id: ID!, $in: SubstitutionInput!) { updateSubstitution(id: $id, input: $in) { `+substitutionFields+` } }`,
		map[string]any{"id": id, "in": in})
}

func mustSubstitution(t *testing.T, r *gqltest.Response) substitutionOut {
	t.Helper()
	var out map[string]substitutionOut
	r.MustOK(t).Decode(t, &out)
	for _, v := range out {
		return v
	}
	t.Fatal("no substitution in the answer")
	return substitutionOut{}
}

const viewerFields = `kind user { id } nativeUser { id } substitution { id } permissions groups { id }`

type viewerOut struct {
	Kind         string
	User         *struct{ ID string }
	NativeUser   *struct{ ID string }
	Substitution *struct{ ID string }
	Permissions  []string
	Groups       []struct{ ID string }
}

func me(t *testing.T, c *gqltest.Client) viewerOut {
	t.Helper()
	var out struct{ Me viewerOut }
	c.Do(`{ me { `+viewerFields+` } }`, nil).MustOK(t).Decode(t, &out)
	return out.Me
}

func startSubstitution(c *gqltest.Client, id string) *gqltest.Response {
	return c.Do(`mutation($id: ID!) { startSubstitution(id: $id) { `+viewerFields+` } }`, map[string]any{"id": id})
}

func grantPermission(t *testing.T, admin *gqltest.Client, userID, perm string) {
	t.Helper()
	admin.Do(`mutation($u: ID!, $p: Permission!) { grantPermission(userId: $u, permission: $p) { id } }`,
		map[string]any{"u": userID, "p": perm}).MustOK(t)
}

func updateUser(t *testing.T, admin *gqltest.Client, userID string, in map[string]any) {
	t.Helper()
	admin.Do(`mutation($u: ID!, $in: UpdateUserInput!) { updateUser(id: $u, input: $in) { id } }`,
		map[string]any{"u": userID, "in": in}).MustOK(t)
}

func setUserStatus(t *testing.T, admin *gqltest.Client, userID, status string) {
	t.Helper()
	admin.Do(`mutation($u: ID!, $s: UserStatus!) { setUserStatus(id: $u, status: $s) { id } }`,
		map[string]any{"u": userID, "s": status}).MustOK(t)
}

// warsawDay is the calendar day d days from the server's today (Europe/Warsaw, the default zone).
func warsawDay(s *gqltest.Server, d int) string {
	loc, _ := time.LoadLocation("Europe/Warsaw")
	return s.Clock.Now().In(loc).AddDate(0, 0, d).Format("2006-01-02")
}
