package app_test

import (
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/procedures"
)

// The round trips to PostgreSQL per operation (issue 13): case(id) with all the fields the load
// command asks for costs one (the principal with the case, its facts and its users; its
// procedure's settings are those compiled at the version read with the principal), a list page at most three, for an employee and for a guest. Counted by the
// server's query hook, so that a regression shows here and not only under load. The settings are
// those the process compiled at the version the principal query read; the first request after a
// change of settings or grants reads them again, in one more statement (the admin's request below).
const (
	maxCaseRoundTrips = 1
	maxListRoundTrips = 3
)

// caseQueryAllFields is case(id) with all fields as cmd/casegate-load asks for it: the generic
// query and the procedure's typed query with every section and field.
func caseQueryAllFields(t testing.TB, procedure string) string {
	t.Helper()
	p := procedures.Registry.Get(procedure)
	if p == nil {
		t.Fatalf("no procedure %s", procedure)
	}
	q := `query($id: ID!) {
	case(id: $id) { id stage title creator { name } assignees { name } access { rights grantedBy fields { field mode } } }
	` + string(p.TypeName[0]+'a'-'A') + p.TypeName[1:] + `(id: $id) { id`
	for _, s := range p.Sections {
		q += " " + s.Key + " {"
		for _, f := range s.Fields {
			q += " " + f.Key
		}
		q += " }"
	}
	return q + " }\n}"
}

const (
	casesPage = `query($after: String) { cases(first: 50, after: $after) {
		edges { cursor node { id procedure { key } stage title createdAt creator { name } } }
		pageInfo { hasNextPage endCursor } } }`
	documentsPage = `query($after: String) { documents(first: 50, after: $after) {
		edges { cursor node { id title confidential createdAt author { name } } }
		pageInfo { hasNextPage endCursor } } }`
	serviceRequestsPage = `{ serviceRequests(first: 50) { edges { node { id request { subject } } } pageInfo { hasNextPage } } }`
)

func TestRoundTripsPerOperation(t *testing.T) {
	s := demoServer(t)
	admin := s.Login("admin@demo.casegate.test", app.DemoPassword)
	var printer struct {
		Cases struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	admin.Do(`{ cases(first: 50, filter: {procedure: "service-request"}) { edges { node { id title } } } }`, nil).MustOK(t).Decode(t, &printer)
	if len(printer.Cases.Edges) != 1 {
		t.Fatalf("service requests: %+v", printer.Cases)
	}
	id := printer.Cases.Edges[0].Node.ID
	worker := s.Login("pracownik@demo.casegate.test", app.DemoPassword)
	worker.Do(`mutation($in: DocumentInput!) { createDocument(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"caseId": id, "title": "Protokół serwisowy"}}).MustOK(t)
	for _, who := range []struct{ name, email string }{
		{"employee", "pracownik@demo.casegate.test"},
		{"guest", app.DemoGuestEmail},
	} {
		t.Run(who.name, func(t *testing.T) {
			c := s.Login(who.email, app.DemoPassword)
			check := func(what, q string, vars map[string]any, max int) []string {
				t.Helper()
				stop := s.RecordSQL()
				c.Do(q, vars).MustOK(t)
				sql := stop()
				t.Logf("%s: %d round trips", what, len(sql))
				if len(sql) == 0 || !strings.HasPrefix(sql[0], "EXECUTE casegate_principal") {
					t.Errorf("%s: the principal query is not the prepared statement: %.80q", what, sql)
				}
				if len(sql) > max {
					t.Errorf("%s: %d round trips, want ≤ %d:\n%s", what, len(sql), max, strings.Join(sql, "\n---\n"))
				}
				return sql
			}
			if sql := check("case(id) with all fields", caseQueryAllFields(t, "service-request"), map[string]any{"id": id}, maxCaseRoundTrips); !strings.HasPrefix(sql[0], "EXECUTE casegate_principal_case") {
				t.Errorf("case(id): the case is not read with the principal: %.80q", sql)
			}
			// Another operation that reads one case (a fragment, a literal id) is recognised too; one
			// that also asks for something else is not, and reads the case by the case statement.
			check("case(id) through a fragment", `query { ...F } fragment F on Query { case(id: "`+id+`") { id title } }`, nil, maxCaseRoundTrips)
			if sql := check("case(id) and me", `query($id: ID!) { case(id: $id) { id } me { kind } }`, map[string]any{"id": id}, maxCaseRoundTrips+1); len(sql) < 2 || !strings.HasPrefix(sql[1], "EXECUTE casegate_case") {
				t.Errorf("case(id) and me: the case is not read by the prepared statement: %.80q", sql)
			}
			check("cases page", casesPage, nil, maxListRoundTrips)
			check("documents page", documentsPage, nil, maxListRoundTrips)
			check("serviceRequests page", serviceRequestsPage, nil, maxListRoundTrips)
		})
	}
}

// The settings cached per process are fresh by proof: a changed field setting and a revoked
// procedure grant are in force on the very next request, whatever the process compiled before.
func TestCachedSettingsAreNeverStale(t *testing.T) {
	s := demoServer(t)
	admin := s.Login("admin@demo.casegate.test", app.DemoPassword)
	var ids struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Groups struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	admin.Do(`{ cases(first: 5, filter: {procedure: "salary-change"}) { edges { node { id } } }
		groups(search: "Kadry", first: 5) { edges { node { id name } } } }`, nil).MustOK(t).Decode(t, &ids)
	if len(ids.Cases.Edges) != 1 || len(ids.Groups.Edges) != 1 {
		t.Fatalf("demo data: %+v", ids)
	}
	id, kadry := ids.Cases.Edges[0].Node.ID, ids.Groups.Edges[0].Node.ID
	hr := s.Login("kadry@demo.casegate.test", app.DemoPassword)
	read := func() *gqltest.Response {
		return hr.Do(`query($id: ID!) { salaryChange(id: $id) { compensation { currentSalary } } }`, map[string]any{"id": id})
	}
	salary := func() any {
		var out struct {
			SalaryChange struct{ Compensation struct{ CurrentSalary any } }
		}
		read().MustOK(t).Decode(t, &out)
		return out.SalaryChange.Compensation.CurrentSalary
	}
	if got := salary(); got != "8500.00" {
		t.Fatalf("before: currentSalary = %v", got)
	}
	admin.Do(`mutation { setFieldAccess(procedure: "salary-change", field: "compensation.currentSalary", input: {internal: HIDDEN}) { key } }`, nil).MustOK(t)
	if got := salary(); got != nil {
		t.Fatalf("after hiding the field: currentSalary = %v", got)
	}
	admin.Do(`mutation($g: ID!) { revokeProcedureAccess(procedure: "salary-change", principal: {groupId: $g}) { key } }`,
		map[string]any{"g": kadry}).MustOK(t)
	if code := read().Code(); code != "NOT_FOUND" {
		t.Fatalf("after revoking the grant: %s", code)
	}
}
