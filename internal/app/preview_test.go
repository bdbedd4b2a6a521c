package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/gqltest"
)

const previewHeader = "X-Casegate-Preview-As"

// previewAs is c previewing as the user userID.
func previewAs(c *gqltest.Client, userID string) *gqltest.Client {
	h := http.Header{}
	for k, v := range c.Header {
		h[k] = v
	}
	h.Set(previewHeader, userID)
	cp := *c
	cp.Header = h
	return &cp
}

// previewExtension is a response's extensions.preview, nil when there is none.
func previewExtension(r *gqltest.Response) map[string]any {
	p, _ := r.Extensions["preview"].(map[string]any)
	return p
}

// mustPreview checks that r is a preview of userID by byUserID.
func mustPreview(t *testing.T, r *gqltest.Response, userID, byUserID string) {
	t.Helper()
	p := previewExtension(r)
	if p["userId"] != userID || p["byUserId"] != byUserID {
		t.Fatalf("extensions.preview = %v, want userId %s byUserId %s: %s", r.Extensions["preview"], userID, byUserID, r.Raw)
	}
}

// previewAudits is the number of preview records of viewer previewing userID.
func previewAudits(s *gqltest.Server, viewer, userID string) int {
	return s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.preview' AND entity = 'user'
		AND entity_id = ? AND user_id = ? AND native_user_id = ?`, userID, viewer, viewer)
}

const previewMe = `query Me { me { kind user { id email } nativeUser { id } permissions groups { name } } }`
const previewCases = `query Cases { cases(first: 50) { edges { node { id procedure { key } } } } }`

// An administrator previewing an employee sees exactly what the employee sees, with the employee's
// principal, and every preview is audited with both users.
func TestPreviewShowsTheUsersView(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	admin := adminID(t, s)
	mine := c.createSalaryChange(t, map[string]any{
		"employee":     map[string]any{"employeeName": "Jan Kowalski", "justification": "Awans"},
		"compensation": map[string]any{"currentSalary": "8000.00"},
	}, "creator", "kadry")
	c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Nobody Else's"}})

	for _, tc := range []struct {
		name string
		who  *gqltest.Client
	}{{"kadry", c.kadry}, {"villain", c.villain}, {"creator", c.creator}} {
		t.Run(tc.name, func(t *testing.T) {
			id := c.users[tc.name]
			as := previewAs(c.admin, id)
			before := previewAudits(s, admin, id)
			for _, q := range []struct {
				query string
				vars  map[string]any
			}{{previewMe, nil}, {previewCases, nil}, {readSalary, map[string]any{"id": mine}}} {
				own := tc.who.Do(q.query, q.vars)
				seen := as.Do(q.query, q.vars)
				if !bytes.Equal(seen.Data, own.Data) || len(seen.Errors) != len(own.Errors) {
					t.Fatalf("%s: the preview shows %s %v, the user sees %s %v", q.query, seen.Data, seen.Errors, own.Data, own.Errors)
				}
				mustPreview(t, seen, id, admin)
				if previewExtension(own) != nil {
					t.Fatalf("the user's own request says it is a preview: %v", own.Extensions)
				}
			}
			if n := previewAudits(s, admin, id) - before; n != 3 {
				t.Fatalf("%d preview records for 3 previewed requests, want 3", n)
			}
		})
	}

	// The view is the user's: me names them, and the cases list holds exactly theirs.
	var me struct {
		Me struct {
			Kind       string
			User       struct{ ID, Email string }
			NativeUser struct{ ID string }
		}
	}
	previewAs(c.admin, c.users["kadry"]).Do(previewMe, nil).MustOK(t).Decode(t, &me)
	if me.Me.User.ID != c.users["kadry"] || me.Me.NativeUser.ID != c.users["kadry"] || me.Me.Kind != "INTERNAL" {
		t.Fatalf("me under the preview = %+v, want kadry", me.Me)
	}
	var list struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	previewAs(c.admin, c.users["kadry"]).Do(previewCases, nil).MustOK(t).Decode(t, &list)
	if len(list.Cases.Edges) != 1 || list.Cases.Edges[0].Node.ID != mine {
		t.Fatalf("kadry's cases under the preview = %+v, want only %s", list.Cases.Edges, mine)
	}

	// The record names the operation.
	var fields []string
	if err := s.DB.NewRaw(`SELECT changed_fields FROM audit_log WHERE action = 'user.preview' AND entity_id = ? ORDER BY id DESC LIMIT 1`,
		c.users["kadry"]).Scan(context.Background(), pgdialect.Array(&fields)); err != nil {
		t.Fatal(err)
	}
	if len(fields) != 1 || fields[0] != "operation:Cases" {
		t.Fatalf("the preview record's details = %v, want operation:Cases", fields)
	}

	// Over GET as well.
	r := previewAs(c.admin, c.users["villain"]).Send(http.MethodGet, "/graphql?"+url.Values{"query": {previewMe}}.Encode(), "", nil)
	mustPreview(t, r.MustOK(t), c.users["villain"], admin)

	// An administrator may preview another administrator, and sees their administration.
	other := createUser(t, c.admin, "second-admin@casegate.test", "Second Admin")
	c.admin.Do(`mutation($u: ID!) { grantPermission(userId: $u, permission: ADMIN) { id } }`, map[string]any{"u": other}).MustOK(t)
	r = previewAs(c.admin, other).Do(`{ users(first: 1) { edges { node { id } } } }`, nil).MustOK(t)
	mustPreview(t, r, other, admin)

	// Without the header nothing changes: the administrator's own principal, no preview extension.
	r = c.admin.Do(previewMe, nil).MustOK(t)
	if previewExtension(r) != nil {
		t.Fatalf("a request without the header says it is a preview: %v", r.Extensions)
	}
	me.Me.User.ID = ""
	r.Decode(t, &me)
	if me.Me.User.ID != admin {
		t.Fatalf("me without the header = %s, want the administrator %s", me.Me.User.ID, admin)
	}
}

// A preview writes nothing: every mutation is FORBIDDEN before it runs, and uploads and
// downloads are refused at the door.
func TestPreviewIsReadOnly(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	id := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "A"}}, "creator", "kadry")
	as := previewAs(c.admin, c.users["kadry"])
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"a write the user may make", `mutation($id: ID!, $in: SalaryChangeInput!) { updateSalaryChange(id: $id, input: $in) { id } }`,
			map[string]any{"id": id, "in": map[string]any{"employee": map[string]any{"employeeName": "B"}}}},
		{"an administrator's write", `mutation { createGroup(name: "Previewed") { id } }`, nil},
		{"the previewer's own session", `mutation { logout }`, nil},
		{"a mutation with a query's name", `mutation Cases { createGroup(name: "Sneaky") { id } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, cases := writes(s), s.Count(`SELECT count(*) FROM audit_log WHERE entity = 'case'`)
			e := as.Do(tc.query, tc.vars).MustFail(t, "FORBIDDEN")
			if !strings.Contains(e.Message, "read-only") {
				t.Errorf("message %q does not say previews are read-only", e.Message)
			}
			if after := writes(s); after != before || s.Count(`SELECT count(*) FROM audit_log WHERE entity = 'case'`) != cases {
				t.Errorf("a mutation under a preview wrote: %v -> %v", before, after)
			}
		})
	}
	if name := salaryEmployeeName(t, c.kadry, id); name != "A" {
		t.Fatalf("the case changed under a preview: %q", name)
	}
	c.admin.Do(previewMe, nil).MustOK(t) // the previewer's session survived the logout attempt

	// Uploads, downloads and the schema do not take the header.
	mustRefuseBesideGraphQL(t, as, "under a preview")
}

// mustRefuseBesideGraphQL checks that c, previewing (by header or session), is refused as
// read-only by an upload, a download and the schema: what a preview cannot do besides queries.
func mustRefuseBesideGraphQL(t *testing.T, c *gqltest.Client, how string) {
	t.Helper()
	for _, tc := range []struct{ method, path, contentType, body string }{
		{http.MethodPost, "/graphql", "multipart/form-data; boundary=xyz", "--xyz--\r\n"},
		{http.MethodGet, "/attachments/00000000-0000-0000-0000-00000000beef", "", ""},
		{http.MethodGet, "/schema.graphql", "", ""},
	} {
		r := c.Send(tc.method, tc.path, tc.contentType, []byte(tc.body))
		if r.Status != http.StatusForbidden || r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "read-only") {
			t.Errorf("%s %s %s: %d %s", tc.method, tc.path, how, r.Status, r.Raw)
		}
	}
}

// salaryEmployeeName is the employee's name on salary-change case id, as c reads it.
func salaryEmployeeName(t *testing.T, c *gqltest.Client, id string) string {
	t.Helper()
	var read struct {
		SalaryChange struct{ Employee struct{ EmployeeName string } }
	}
	c.Do(readSalary, map[string]any{"id": id}).MustOK(t).Decode(t, &read)
	return read.SalaryChange.Employee.EmployeeName
}

// Who may preview whom, and the answers to a header that cannot be followed.
func TestPreviewRefusals(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	admin := adminID(t, s)
	ctx := context.Background()
	c.admin.Do(`mutation($u: ID!) { grantPermission(userId: $u, permission: PREVIEW_AS) { id } }`, map[string]any{"u": c.users["dyrektor"]}).MustOK(t)
	dyrektor := s.Login("dyrektor@casegate.test", "user-password-1") // the permission is read with the session

	// A PREVIEW_AS holder previews an employee, not an administrator.
	r := previewAs(dyrektor, c.users["kadry"]).Do(previewMe, nil).MustOK(t)
	mustPreview(t, r, c.users["kadry"], c.users["dyrektor"])
	e := previewAs(dyrektor, admin).Do(previewMe, nil).MustFail(t, "FORBIDDEN")
	if !strings.Contains(e.Message, "PREVIEW_ADMIN") {
		t.Errorf("refusal of an administrator's preview says %q", e.Message)
	}

	// A guest account is not previewed through the header.
	var company struct{ CreateCompany struct{ ID string } }
	c.admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	contact := newContact(t, c.admin, "Jan Klient", "jan.klient@example.com", company.CreateCompany.ID)
	enableGuest(t, c.admin, contact)
	var guest string
	if err := s.DB.NewRaw(`SELECT id FROM users WHERE contact_id = ?`, contact).Scan(ctx, &guest); err != nil {
		t.Fatal(err)
	}
	deactivated := createUser(t, c.admin, "gone@casegate.test", "Gone")
	c.admin.Do(`mutation($u: ID!) { setUserStatus(id: $u, status: DEACTIVATED) { id } }`, map[string]any{"u": deactivated}).MustOK(t)

	const system = "00000000-0000-0000-0000-000000000001"
	const unknown = "00000000-0000-0000-0000-00000000beef"
	for _, tc := range []struct {
		name   string
		viewer *gqltest.Client
		target string
		code   string
	}{
		{"a guest account", c.admin, guest, "FORBIDDEN"},
		{"the system user", c.admin, system, "FORBIDDEN"},
		{"a deactivated user", c.admin, deactivated, "FORBIDDEN"},
		{"an unknown user", c.admin, unknown, "NOT_FOUND"},
		{"not a user id", c.admin, "kadry", "BAD_USER_INPUT"},
		{"an empty header", c.admin, "", "BAD_USER_INPUT"},
		{"an employee without the permission", c.villain, c.users["kadry"], "FORBIDDEN"},
		// Refused before the id is looked at: whether it exists is none of its business.
		{"an employee without the permission, unknown id", c.villain, unknown, "FORBIDDEN"},
		{"an employee without the permission, bad id", c.villain, "kadry", "FORBIDDEN"},
		{"the PREVIEW_AS holder and an unknown user", dyrektor, unknown, "NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes(s)
			r := previewAs(tc.viewer, tc.target).Do(previewMe, nil)
			r.MustFail(t, tc.code)
			if string(r.Data) != "null" && len(r.Data) != 0 {
				t.Fatalf("a refused preview ran: %s", r.Data)
			}
			if previewExtension(r) != nil {
				t.Fatalf("a refused preview says it is one: %v", r.Extensions)
			}
			if after := writes(s); after != before {
				t.Fatalf("a refused preview wrote (an audit record?): %v -> %v", before, after)
			}
		})
	}

	// Without a token the header is refused at once.
	r = previewAs(s.Anonymous(), c.users["kadry"]).Do(previewMe, nil)
	if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a preview without a token: %d %s", r.Status, r.Raw)
	}
	// A token that does not work is 401 as ever.
	r = previewAs(s.WithToken("garbage"), c.users["kadry"]).Do(previewMe, nil)
	if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a preview with a bad token: %d %s", r.Status, r.Raw)
	}
}

// A preview that cannot be audited does not run.
func TestPreviewWithoutAuditDoesNotRun(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	clerk := createUser(t, admin, "clerk@casegate.test", "Clerk")
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION refuse_preview_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN IF NEW.action = 'user.preview' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER refuse_preview_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_preview_audit()`,
	} {
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r := previewAs(admin, clerk).Do(previewMe, nil)
	r.MustFail(t, "INTERNAL")
	if string(r.Data) != "null" && len(r.Data) != 0 {
		t.Fatalf("a preview ran without its audit record: %s", r.Data)
	}
	if _, err := s.DB.ExecContext(ctx, `DROP TRIGGER refuse_preview_audit ON audit_log`); err != nil {
		t.Fatal(err)
	}
	mustPreview(t, previewAs(admin, clerk).Do(previewMe, nil).MustOK(t), clerk, adminID(t, s))
}
