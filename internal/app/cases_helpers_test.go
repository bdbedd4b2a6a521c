package app_test

import (
	"encoding/json"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

// company is a small organisation for the case tests: the seed's three groups and people in them.
type company struct {
	s                                         *gqltest.Server
	admin                                     *gqltest.Client
	users                                     map[string]string // name → id
	groups                                    map[string]string // name → id
	creator, kadry, zarzad, dyrektor, villain *gqltest.Client
}

func newCompany(t *testing.T, s *gqltest.Server) *company {
	t.Helper()
	c := &company{s: s, admin: s.Admin(), users: map[string]string{}, groups: map[string]string{}}
	for _, g := range []string{"Kadry", "Zarząd", "Dyrektorzy"} {
		var out struct{ CreateGroup struct{ ID string } }
		c.admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": g}).MustOK(t).Decode(t, &out)
		c.groups[g] = out.CreateGroup.ID
	}
	for name, group := range map[string]string{"creator": "", "kadry": "Kadry", "zarzad": "Zarząd", "dyrektor": "Dyrektorzy", "villain": ""} {
		id := createUser(t, c.admin, name+"@casegate.test", name)
		c.users[name] = id
		if group != "" {
			c.admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": c.groups[group], "u": id}).MustOK(t)
		}
	}
	login := func(name string) *gqltest.Client { return s.Login(name+"@casegate.test", "user-password-1") }
	c.creator, c.kadry, c.zarzad, c.dyrektor, c.villain = login("creator"), login("kadry"), login("zarzad"), login("dyrektor"), login("villain")
	return c
}

func (c *company) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = c.users[n]
	}
	return out
}

// createSalaryChange creates a case as the creator and returns its id.
func (c *company) createSalaryChange(t *testing.T, input map[string]any, assignees ...string) string {
	t.Helper()
	vars := map[string]any{"in": input}
	q := `mutation($in: SalaryChangeInput!, $a: [ID!]) { createSalaryChange(input: $in, assigneeIds: $a) { id } }`
	if len(assignees) > 0 {
		vars["a"] = c.ids(assignees...)
	}
	var out struct{ CreateSalaryChange struct{ ID string } }
	c.creator.Do(q, vars).MustOK(t).Decode(t, &out)
	return out.CreateSalaryChange.ID
}

func modes(t *testing.T, r *gqltest.Response, path ...string) map[string]string {
	t.Helper()
	var raw map[string]json.RawMessage
	r.MustOK(t).Decode(t, &raw)
	cur := raw[path[0]]
	for _, p := range path[1:] {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cur, &m); err != nil {
			t.Fatal(err)
		}
		cur = m[p]
	}
	var acc struct {
		Rights    []string
		GrantedBy []string
		Fields    []struct{ Field, Mode string }
	}
	if err := json.Unmarshal(cur, &acc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"rights": "", "grantedBy": ""}
	for _, r := range acc.Rights {
		out["rights"] += r + " "
	}
	for _, g := range acc.GrantedBy {
		out["grantedBy"] += g + " "
	}
	for _, f := range acc.Fields {
		out[f.Field] = f.Mode
	}
	return out
}

func hiddenFields(r *gqltest.Response) []string {
	var out []string
	if list, ok := r.Extensions["hiddenFields"].([]any); ok {
		for _, p := range list {
			out = append(out, p.(string))
		}
	}
	return out
}
