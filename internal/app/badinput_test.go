package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/relay"
)

// badInputWrites counts the rows that a refused argument must not leave behind.
func badInputWrites(s *gqltest.Server) map[string]int {
	out := map[string]int{}
	for _, table := range []string{"users", "groups", "positions", "clients", "projects", "cases", "comments",
		"temporary_access_grants", "settings", "audit_log", "outbox", "sessions", "login_failures", "password_resets"} {
		out[table] = s.Count(`SELECT count(*) FROM ` + table)
	}
	return out
}

// TestBadInputIsBadUserInput sends what used to answer INTERNAL (NUL bytes, malformed or
// out-of-range times, an overlong e-mail, a time zone PostgreSQL does not know) and expects
// BAD_USER_INPUT naming the argument, with nothing written.
func TestBadInputIsBadUserInput(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	employeeID := createUser(t, admin, "employee@casegate.test", "Employee")
	employee := s.Login("employee@casegate.test", "user-password-1")
	caseID := createServiceRequest(t, admin)
	const nul = "a\u0000b"
	const someID = "0b8c3c1e-0000-0000-0000-000000000001"
	longEmail := strings.Repeat("a", 2900) + "@casegate.test"
	cases := []struct {
		name   string
		client *gqltest.Client
		query  string
		vars   map[string]any
		field  string
	}{
		{"login e-mail with NUL", s.Anonymous(), `mutation($e: String!) { login(email: $e, password: "x") { token } }`,
			map[string]any{"e": nul}, "email"},
		{"login password with NUL", s.Anonymous(), `mutation($p: String!) { login(email: "admin@casegate.test", password: $p) { token } }`,
			map[string]any{"p": nul}, "password"},
		{"login with a 2,900-character e-mail", s.Anonymous(), `mutation($e: String!) { login(email: $e, password: "x") { token } }`,
			map[string]any{"e": longEmail}, "email"},
		{"password reset e-mail with NUL", s.Anonymous(), `mutation($e: String!) { requestPasswordReset(email: $e) }`,
			map[string]any{"e": nul}, "email"},
		{"user search with NUL", employee, `query($s: String) { users(filter: {search: $s}) { edges { cursor } } }`,
			map[string]any{"s": nul}, "search"},
		{"group search with NUL", employee, `query($s: String) { groups(search: $s) { edges { cursor } } }`,
			map[string]any{"s": nul}, "search"},
		{"case filter with NUL", employee, `query($p: String) { cases(filter: {procedure: $p}) { edges { cursor } } }`,
			map[string]any{"p": nul}, "procedure"},
		{"case stage filter with NUL", employee, `query($p: String) { cases(filter: {stage: $p}) { edges { cursor } } }`,
			map[string]any{"p": nul}, "stage"},
		{"audit filter with NUL", admin, `query($a: String) { auditLog(filter: {action: $a}) { edges { cursor } } }`,
			map[string]any{"a": nul}, "action"},
		{"audit filter with a malformed time", admin, `query($f: DateTime) { auditLog(filter: {from: $f}) { edges { cursor } } }`,
			map[string]any{"f": "not a time"}, "from"},
		{"audit filter with a leap second", admin, `query($f: DateTime) { auditLog(filter: {to: $f}) { edges { cursor } } }`,
			map[string]any{"f": "2026-12-31T23:59:60Z"}, "to"},
		{"audit filter in year 0000", admin, `query($f: DateTime) { auditLog(filter: {from: $f}) { edges { cursor } } }`,
			map[string]any{"f": "0000-06-01T00:00:00Z"}, "from"},
		{"name cursor with NUL", employee, `query($a: String) { users(after: $a) { edges { cursor } } }`,
			map[string]any{"a": relay.Encode(nul, someID)}, "after"},
		{"group cursor with NUL", employee, `query($a: String) { groups(after: $a) { edges { cursor } } }`,
			map[string]any{"a": relay.Encode(nul, someID)}, "after"},
		{"time cursor in year 0000", employee, `query($a: String) { cases(after: $a) { edges { cursor } } }`,
			map[string]any{"a": relay.Encode("0000-01-01T00:00:00Z", someID)}, "after"},
		{"comment with NUL", admin, `mutation($c: ID!, $t: String!) { addComment(caseId: $c, text: $t) { id } }`,
			map[string]any{"c": caseID, "t": nul}, "text"},
		{"temporary access name with NUL", admin, `mutation($c: ID!, $in: TemporaryAccessInput!) { grantTemporaryAccess(caseId: $c, input: $in) { id } }`,
			map[string]any{"c": caseID, "in": map[string]any{"email": "guest@example.com", "firstName": nul, "loginMethod": "EMAIL_CODE"}}, "firstName"},
		{"temporary access from a leap second", admin, `mutation($c: ID!, $in: TemporaryAccessInput!) { grantTemporaryAccess(caseId: $c, input: $in) { id } }`,
			map[string]any{"c": caseID, "in": map[string]any{"email": "guest@example.com", "validFrom": "2026-12-31T23:59:60Z", "loginMethod": "EMAIL_CODE"}}, "validFrom"},
		{"new user named with NUL", admin, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"email": "new@casegate.test", "name": nul, "password": "user-password-1"}}, "name"},
		{"new user expiring in year 0000", admin, `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"email": "new@casegate.test", "name": "New", "password": "user-password-1", "profileExpiresOn": "0000-12-31"}}, "profileExpiresOn"},
		{"user renamed with NUL", admin, `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id } }`,
			map[string]any{"id": employeeID, "in": map[string]any{"name": nul}}, "name"},
		{"user expiring in year 0000", admin, `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id } }`,
			map[string]any{"id": employeeID, "in": map[string]any{"profileExpiresOn": "0000-01-01"}}, "profileExpiresOn"},
		{"group named with NUL", admin, `mutation($n: String!) { createGroup(name: $n) { id } }`,
			map[string]any{"n": nul}, "name"},
		{"position named with NUL", admin, `mutation($n: String!) { createPosition(name: $n) { id } }`,
			map[string]any{"n": nul}, "name"},
		{"company named with NUL", admin, `mutation($n: String!) { createCompany(name: $n) { id } }`,
			map[string]any{"n": nul}, "name"},
		{"contact named with NUL", admin, `mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": nul}}, "name"},
		{"project named with NUL", admin, `mutation($n: String!) { createProject(name: $n) { id } }`,
			map[string]any{"n": nul}, "name"},
		{"id with NUL", admin, `query($id: ID!) { user(id: $id) { id } }`,
			map[string]any{"id": nul}, "id"},
		{"procedure grant revoked from a malformed group id (found by FuzzMutations)", admin,
			`mutation($g: ID!) { revokeProcedureAccess(procedure: "salary-change", principal: {groupId: $g}) { key } }`,
			map[string]any{"g": "0"}, "principal"},
		{"time zone Local", admin, `mutation($z: String!) { updateSettings(input: {timeZone: $z}) { timeZone } }`,
			map[string]any{"z": "Local"}, "timeZone"},
		{"time zone PostgreSQL does not list", admin, `mutation($z: String!) { updateSettings(input: {timeZone: $z}) { timeZone } }`,
			map[string]any{"z": "right/Europe/Warsaw"}, "timeZone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := badInputWrites(s)
			r := c.client.Do(c.query, c.vars)
			e := r.MustFail(t, "BAD_USER_INPUT")
			if e.Extensions["field"] != c.field {
				b, _ := json.Marshal(e)
				t.Errorf("error %s does not name %s in extensions.field", b, c.field)
			}
			if after := badInputWrites(s); !mapsEqual(before, after) {
				t.Errorf("rows written: before %v, after %v", before, after)
			}
		})
	}
}

func createServiceRequest(t *testing.T, c *gqltest.Client) string {
	t.Helper()
	var out struct{ CreateServiceRequest struct{ ID string } }
	c.Do(`mutation { createServiceRequest(input: {request: {subject: "Awaria"}}) { id } }`, nil).MustOK(t).Decode(t, &out)
	return out.CreateServiceRequest.ID
}

func mapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}
