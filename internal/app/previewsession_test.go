package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/gqltest"
)

const startPreviewDoc = `mutation($u: ID!) { startPreview(userId: $u) { token expiresAt
	viewer { kind user { id } nativeUser { id } previewBy { id } sessionExpiresAt } } }`

type previewStart struct {
	StartPreview struct {
		Token     string
		ExpiresAt time.Time
		Viewer    struct {
			Kind             string
			User             struct{ ID string }
			NativeUser       struct{ ID string }
			PreviewBy        *struct{ ID string }
			SessionExpiresAt time.Time
		}
	}
}

// startPreview is c's startPreview of userID, as sent.
func startPreview(c *gqltest.Client, userID string) *gqltest.Response {
	return c.Do(startPreviewDoc, map[string]any{"u": userID})
}

// mustStartPreview starts a preview session and returns its client and the answer.
func mustStartPreview(t *testing.T, s *gqltest.Server, c *gqltest.Client, userID string) (*gqltest.Client, previewStart) {
	t.Helper()
	var out previewStart
	r := startPreview(c, userID).MustOK(t)
	r.Decode(t, &out)
	if previewExtension(r) != nil {
		t.Fatalf("startPreview answered as a preview: it runs in the caller's own session: %s", r.Raw)
	}
	return s.WithToken(out.StartPreview.Token), out
}

// previewSessionAudits is the number of records of action by viewer about userID.
func previewSessionAudits(s *gqltest.Server, action, viewer, userID string) int {
	return s.Count(`SELECT count(*) FROM audit_log WHERE action = ? AND entity = 'user'
		AND entity_id = ? AND user_id = ? AND native_user_id = ?`, action, userID, viewer, viewer)
}

// An administrator's preview session reads exactly as the employee, every request audited with
// both users and said to be a preview, writes nothing, and ends with endPreview.
func TestPreviewSession(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	admin := adminID(t, s)
	kadry := c.users["kadry"]
	mine := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Jan Kowalski"},
		"compensation": map[string]any{"currentSalary": "8000.00"}}, "creator", "kadry")
	notMine := c.createSalaryChange(t, map[string]any{"employee": map[string]any{"employeeName": "Nobody Else's"}})
	c.admin.Do(readSalary, map[string]any{"id": notMine}).MustOK(t) // the administrator reads it

	sessions := s.Count(`SELECT count(*) FROM sessions`)
	pv, out := mustStartPreview(t, s, c.admin, kadry)
	start := out.StartPreview
	if start.Viewer.User.ID != kadry || start.Viewer.NativeUser.ID != kadry || start.Viewer.Kind != "INTERNAL" ||
		start.Viewer.PreviewBy == nil || start.Viewer.PreviewBy.ID != admin {
		t.Fatalf("startPreview's viewer = %+v, want kadry previewed by the administrator", start.Viewer)
	}
	// An hour at most (the administrator's own session lasts longer).
	if want := s.Clock.Now().Add(time.Hour); !start.ExpiresAt.Equal(want) || !start.Viewer.SessionExpiresAt.Equal(want) {
		t.Fatalf("the preview session expires at %v (viewer %v), want %v", start.ExpiresAt, start.Viewer.SessionExpiresAt, want)
	}
	if n := s.Count(`SELECT count(*) FROM sessions`); n != sessions+1 {
		t.Fatalf("%d sessions after startPreview, want %d", n, sessions+1)
	}
	var sessionID string
	if err := s.DB.NewRaw(`SELECT id FROM sessions WHERE preview_user_id = ? AND user_id = ?`, kadry, admin).
		Scan(context.Background(), &sessionID); err != nil {
		t.Fatalf("the preview session's row: %v", err)
	}
	if n := previewSessionAudits(s, "preview.start", admin, kadry); n != 1 {
		t.Fatalf("%d preview.start records, want 1", n)
	}
	var fields []string
	if err := s.DB.NewRaw(`SELECT changed_fields FROM audit_log WHERE action = 'preview.start'`).
		Scan(context.Background(), pgdialect.Array(&fields)); err != nil {
		t.Fatal(err)
	}
	if len(fields) != 1 || fields[0] != "session:"+sessionID {
		t.Fatalf("the start record's details = %v, want the session %s", fields, sessionID)
	}

	// Reads are the user's, byte for byte, and each is audited as the header's are.
	before := previewAudits(s, admin, kadry)
	for _, q := range []struct {
		query string
		vars  map[string]any
	}{{previewMe, nil}, {previewCases, nil}, {readSalary, map[string]any{"id": mine}}, {readSalary, map[string]any{"id": notMine}}} {
		own, seen := c.kadry.Do(q.query, q.vars), pv.Do(q.query, q.vars)
		if !bytes.Equal(seen.Data, own.Data) || len(seen.Errors) != len(own.Errors) || seen.Code() != own.Code() {
			t.Fatalf("%s: the preview session shows %s, the user sees %s", q.query, seen.Raw, own.Raw)
		}
		mustPreview(t, seen, kadry, admin)
	}
	if n := previewAudits(s, admin, kadry) - before; n != 4 {
		t.Fatalf("%d user.preview records for 4 requests, want 4", n)
	}
	var list struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	pv.Do(previewCases, nil).MustOK(t).Decode(t, &list)
	if len(list.Cases.Edges) != 1 || list.Cases.Edges[0].Node.ID != mine {
		t.Fatalf("kadry's cases in the preview session = %+v, want only %s", list.Cases.Edges, mine)
	}
	pv.Do(readSalary, map[string]any{"id": notMine}).MustFail(t, "NOT_FOUND")
	var who struct {
		Me struct {
			User      struct{ ID string }
			PreviewBy *struct{ ID string }
		}
	}
	pv.Do(`{ me { user { id } previewBy { id } } }`, nil).MustOK(t).Decode(t, &who)
	if who.Me.User.ID != kadry || who.Me.PreviewBy == nil || who.Me.PreviewBy.ID != admin {
		t.Fatalf("me in the preview session = %+v", who.Me)
	}
	var own struct {
		Me struct{ PreviewBy *struct{ ID string } }
	}
	c.kadry.Do(`{ me { previewBy { id } } }`, nil).MustOK(t).Decode(t, &own)
	if own.Me.PreviewBy != nil {
		t.Fatalf("kadry's own session says it is previewed by %v", own.Me.PreviewBy)
	}

	// Writes are refused, whatever the user or the administrator may do, and nothing is written.
	for _, tc := range []struct {
		name, query, rule string
		vars              map[string]any
	}{
		{"a write the user may make", `mutation($id: ID!, $in: SalaryChangeInput!) { updateSalaryChange(id: $id, input: $in) { id } }`,
			"PREVIEW_READ_ONLY", map[string]any{"id": mine, "in": map[string]any{"employee": map[string]any{"employeeName": "B"}}}},
		{"an administrator's write", `mutation { createGroup(name: "Previewed") { id } }`, "PREVIEW_READ_ONLY", nil},
		{"a write beside the end", `mutation { endPreview createGroup(name: "Sneaky") { id } }`, "PREVIEW_READ_ONLY", nil},
		{"a preview within the preview", startPreviewDoc, "PREVIEW_NESTED", map[string]any{"u": c.users["creator"]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes(s)
			e := pv.Do(tc.query, tc.vars).MustFail(t, "FORBIDDEN")
			if !strings.Contains(e.Message, tc.rule) {
				t.Errorf("message %q does not name %s", e.Message, tc.rule)
			}
			if after := writes(s); after != before {
				t.Errorf("a mutation in a preview session wrote: %v -> %v", before, after)
			}
		})
	}
	if name := salaryEmployeeName(t, c.kadry, mine); name != "Jan Kowalski" {
		t.Fatalf("the case changed under a preview session: %q", name)
	}
	// The header cannot be stacked on a preview session.
	e := previewAs(pv, c.users["creator"]).Do(previewMe, nil).MustFail(t, "FORBIDDEN")
	if !strings.Contains(e.Message, "PREVIEW_NESTED") {
		t.Errorf("the header in a preview session: %q", e.Message)
	}
	// Uploads, downloads and the schema refuse the session's token.
	mustRefuseBesideGraphQL(t, pv, "in a preview session")

	// endPreview ends it, audited, and the token stops working; the administrator's session stays.
	var ended struct{ EndPreview bool }
	r := pv.Do(`mutation { endPreview }`, nil).MustOK(t)
	r.Decode(t, &ended)
	if !ended.EndPreview {
		t.Fatal("endPreview answered false in a preview session")
	}
	mustPreview(t, r, kadry, admin)
	if n := previewSessionAudits(s, "preview.end", admin, kadry); n != 1 {
		t.Fatalf("%d preview.end records, want 1", n)
	}
	if r := pv.Do(previewMe, nil); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("the ended preview session still answers: %d %s", r.Status, r.Raw)
	}
	if n := s.Count(`SELECT count(*) FROM sessions`); n != sessions {
		t.Fatalf("%d sessions after endPreview, want %d", n, sessions)
	}
	c.admin.Do(previewMe, nil).MustOK(t)
	// Outside a preview session endPreview changes nothing.
	before2 := writes(s)
	c.admin.Do(`mutation { endPreview }`, nil).MustOK(t).Decode(t, &ended)
	if ended.EndPreview || writes(s) != before2 {
		t.Fatalf("endPreview in an administrator's own session: %v, wrote %v -> %v", ended.EndPreview, before2, writes(s))
	}
}

// A preview session ends by logout in it, with the session that started it, and at its expiry.
func TestPreviewSessionEnds(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	adminUser := adminID(t, s)
	clerk := createUser(t, admin, "clerk@casegate.test", "Clerk")
	gone := func(t *testing.T, c *gqltest.Client, why string) {
		t.Helper()
		if r := c.Do(previewMe, nil); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("%s: the preview session still answers: %d %s", why, r.Status, r.Raw)
		}
	}

	// logout in a preview session ends it alone.
	pv, _ := mustStartPreview(t, s, admin, clerk)
	pv.Do(`mutation { logout }`, nil).MustOK(t)
	gone(t, pv, "logout in it")
	admin.Do(previewMe, nil).MustOK(t)
	if n := previewSessionAudits(s, "preview.end", adminUser, clerk); n != 1 {
		t.Fatalf("%d preview.end records after logout in the preview session, want 1", n)
	}

	// Logging out of the session that started it ends it.
	own := s.Admin()
	pv, _ = mustStartPreview(t, s, own, clerk)
	mustPreview(t, pv.Do(previewMe, nil).MustOK(t), clerk, adminUser)
	own.Do(`mutation { logout }`, nil).MustOK(t)
	gone(t, pv, "the starting session logged out")

	// It expires after an hour, the starting session still valid.
	pv, _ = mustStartPreview(t, s, admin, clerk)
	s.Clock.Advance(time.Hour - time.Second)
	mustPreview(t, pv.Do(previewMe, nil).MustOK(t), clerk, adminUser)
	s.Clock.Advance(time.Second)
	gone(t, pv, "an hour later")
	admin.Do(previewMe, nil).MustOK(t)
}

// The rules are decided again on every request of a preview session: the user deactivated, or the
// one previewing losing PREVIEW_AS, refuses its requests (FORBIDDEN, naming the rule); restored, it
// reads again; and it can always be ended.
func TestPreviewSessionRechecks(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	grantPermission(t, c.admin, c.users["dyrektor"], "PREVIEW_AS")
	dyrektor := s.Login("dyrektor@casegate.test", "user-password-1")
	kadry := c.users["kadry"]
	pv, _ := mustStartPreview(t, s, dyrektor, kadry)
	mustPreview(t, pv.Do(previewMe, nil).MustOK(t), kadry, c.users["dyrektor"])

	refused := func(t *testing.T, rule string) {
		t.Helper()
		before := writes(s)
		r := pv.Do(previewMe, nil)
		e := r.MustFail(t, "FORBIDDEN")
		if !strings.Contains(e.Message, rule) {
			t.Fatalf("refusal %q does not name %s", e.Message, rule)
		}
		if previewExtension(r) != nil || (len(r.Data) != 0 && string(r.Data) != "null") {
			t.Fatalf("a refused preview request ran: %s", r.Raw)
		}
		if after := writes(s); after != before {
			t.Fatalf("a refused preview request wrote: %v -> %v", before, after)
		}
	}
	setUserStatus(t, c.admin, kadry, "DEACTIVATED")
	refused(t, "PREVIEW_INACTIVE")
	setUserStatus(t, c.admin, kadry, "ACTIVE")
	mustPreview(t, pv.Do(previewMe, nil).MustOK(t), kadry, c.users["dyrektor"])

	c.admin.Do(`mutation($u: ID!) { revokePermission(userId: $u, permission: PREVIEW_AS) { id } }`,
		map[string]any{"u": c.users["dyrektor"]}).MustOK(t)
	refused(t, "NOT_PERMITTED")
	var ended struct{ EndPreview bool }
	pv.Do(`mutation { endPreview }`, nil).MustOK(t).Decode(t, &ended)
	if !ended.EndPreview {
		t.Fatal("a preview whose previewer lost PREVIEW_AS could not be ended")
	}
	dyrektor.Do(previewMe, nil).MustOK(t)
}

// Who may start a preview session of whom: the header's rules and answers, and a refusal writes
// nothing.
func TestPreviewSessionRefusals(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	ctx := context.Background()
	admin := adminID(t, s)
	grantPermission(t, c.admin, c.users["dyrektor"], "PREVIEW_AS")
	dyrektor := s.Login("dyrektor@casegate.test", "user-password-1")

	var company struct{ CreateCompany struct{ ID string } }
	c.admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	contact := newContact(t, c.admin, "Jan Klient", "jan.klient@example.com", company.CreateCompany.ID)
	enableGuest(t, c.admin, contact)
	var guest string
	if err := s.DB.NewRaw(`SELECT id FROM users WHERE contact_id = ?`, contact).Scan(ctx, &guest); err != nil {
		t.Fatal(err)
	}
	deactivated := createUser(t, c.admin, "gone@casegate.test", "Gone")
	setUserStatus(t, c.admin, deactivated, "DEACTIVATED")
	otherAdmin := createUser(t, c.admin, "second-admin@casegate.test", "Second Admin")
	grantPermission(t, c.admin, otherAdmin, "ADMIN")
	// An administrator working as kadry through a substitution.
	substituting := s.Admin()
	sb := mustSubstitution(t, createSubstitution(c.admin, map[string]any{"substitutedId": c.users["kadry"], "substituteId": admin})).ID
	startSubstitution(substituting, sb).MustOK(t)

	const system = "00000000-0000-0000-0000-000000000001"
	const unknown = "00000000-0000-0000-0000-00000000beef"
	for _, tc := range []struct {
		name   string
		caller *gqltest.Client
		target string
		code   string
		says   string
	}{
		{"a guest account", c.admin, guest, "FORBIDDEN", "PREVIEW_NOT_EMPLOYEE"},
		{"the system user", c.admin, system, "FORBIDDEN", "PREVIEW_NOT_EMPLOYEE"},
		{"a deactivated user", c.admin, deactivated, "FORBIDDEN", "PREVIEW_INACTIVE"},
		{"an unknown user", c.admin, unknown, "NOT_FOUND", ""},
		{"not a user id", c.admin, "kadry", "BAD_USER_INPUT", ""},
		{"an administrator, by a PREVIEW_AS holder", dyrektor, otherAdmin, "FORBIDDEN", "PREVIEW_ADMIN"},
		{"the PREVIEW_AS holder and an unknown user", dyrektor, unknown, "NOT_FOUND", ""},
		{"an employee without the permission", c.villain, c.users["kadry"], "FORBIDDEN", "NOT_PERMITTED"},
		// Refused before the id is looked at.
		{"an employee without the permission, unknown id", c.villain, unknown, "FORBIDDEN", "NOT_PERMITTED"},
		{"an employee without the permission, bad id", c.villain, "kadry", "FORBIDDEN", "NOT_PERMITTED"},
		{"an administrator while substituting", substituting, c.users["creator"], "FORBIDDEN", "WHILE_SUBSTITUTING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes(s)
			r := startPreview(tc.caller, tc.target)
			e := r.MustFail(t, tc.code)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not name %s", e.Message, tc.says)
			}
			if tc.code == "BAD_USER_INPUT" && e.Extensions["field"] != "userId" {
				t.Errorf("BAD_USER_INPUT names the field %v, want userId", e.Extensions["field"])
			}
			if string(r.Data) != "null" && len(r.Data) != 0 {
				t.Fatalf("a refused startPreview answered %s", r.Data)
			}
			if after := writes(s); after != before {
				t.Fatalf("a refused startPreview wrote: %v -> %v", before, after)
			}
		})
	}

	// An administrator previews another administrator; a PREVIEW_AS holder an employee.
	mustStartPreview(t, s, c.admin, otherAdmin)
	mustStartPreview(t, s, dyrektor, c.users["kadry"])
	// Without a session, startPreview is one more operation that needs one.
	s.Anonymous().Do(startPreviewDoc, map[string]any{"u": c.users["kadry"]}).MustFail(t, "UNAUTHENTICATED")
}
