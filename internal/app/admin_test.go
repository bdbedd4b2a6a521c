package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// writes counts the rows a failed mutation must not leave behind.
func writes(s *gqltest.Server) [9]int {
	return [9]int{
		s.Count(`SELECT count(*) FROM users`),
		s.Count(`SELECT count(*) FROM groups`),
		s.Count(`SELECT count(*) FROM audit_log`),
		s.Count(`SELECT count(*) FROM positions`),
		s.Count(`SELECT count(*) FROM position_rights`),
		s.Count(`SELECT count(*) FROM group_members`),
		s.Count(`SELECT count(*) FROM settings`),
		s.Count(`SELECT count(*) FROM sessions`),
		s.Count(`SELECT count(*) FROM outbox`),
	}
}

func TestBadInputNamesTheFieldAndWritesNothing(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "taken@casegate.test", "Taken")
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t)

	const create = `mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`
	user := func(email, name, pw string) map[string]any {
		return map[string]any{"in": map[string]any{"email": email, "name": name, "password": pw}}
	}
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{"invalid e-mail", create, user("not-an-email", "Name", "user-password-1"), "BAD_USER_INPUT", "email"},
		{"empty name", create, user("new@casegate.test", "   ", "user-password-1"), "BAD_USER_INPUT", "name"},
		{"weak password", create, user("new@casegate.test", "Name", "short"), "BAD_USER_INPUT", "password"},
		{"password without digits or symbols", create, user("new@casegate.test", "Name", "onlylettershere"), "BAD_USER_INPUT", "password"},
		{"duplicate e-mail, other case", create, user("TAKEN@casegate.test", "Other", "user-password-1"), "CONFLICT", "email"},
		{"unknown manager", create, map[string]any{"in": map[string]any{"email": "new@casegate.test", "name": "N", "password": "user-password-1",
			"managerId": "00000000-0000-0000-0000-00000000dead"}}, "BAD_USER_INPUT", "managerId"},
		{"duplicate group name, other case", `mutation { createGroup(name: "KADRY") { id } }`, nil, "CONFLICT", "name"},
		{"empty group name", `mutation { createGroup(name: "") { id } }`, nil, "BAD_USER_INPUT", "name"},
		{"bad time zone", `mutation { updateSettings(input: {timeZone: "Mars/Olympus"}) { timeZone } }`, nil, "BAD_USER_INPUT", "timeZone"},
		{"page too large", `{ users(first: 201) { edges { cursor } } }`, nil, "BAD_USER_INPUT", "first"},
		{"forged cursor", `{ users(after: "bm9wZQ") { edges { cursor } } }`, nil, "BAD_USER_INPUT", "after"},
		{"malformed date", `mutation { createUser(input: {email: "d@casegate.test", name: "D", password: "user-password-1", profileExpiresOn: "31.12.2026"}) { id } }`, nil, "BAD_USER_INPUT", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes(s)
			e := admin.Do(tc.query, tc.vars).MustFail(t, tc.code)
			if tc.field != "" && e.Extensions["field"] != tc.field {
				t.Errorf("error names field %v, want %q: %s", e.Extensions["field"], tc.field, e.Message)
			}
			if after := writes(s); after != before {
				t.Errorf("failed mutation wrote rows: users/groups/audit/positions/rights/members/settings/sessions/outbox %v -> %v", before, after)
			}
		})
	}
}

func TestOnlyAdminsAdminister(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "clerk@casegate.test", "Clerk")
	clerk := s.Login("clerk@casegate.test", "user-password-1")
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t).Decode(t, &g)
	var p struct{ CreatePosition struct{ ID string } }
	admin.Do(`mutation { createPosition(name: "HQ") { id } }`, nil).MustOK(t).Decode(t, &p)

	var c struct{ CreateContact struct{ ID string } }
	admin.Do(`mutation { createContact(input: {name: "Klient", email: "klient@example.com"}) { id } }`, nil).MustOK(t).Decode(t, &c)

	vars := map[string]any{"u": uid, "g": g.CreateGroup.ID, "p": p.CreatePosition.ID, "c": c.CreateContact.ID}
	before := writes(s)
	for _, q := range []string{
		`mutation { createUser(input: {email: "x@casegate.test", name: "X", password: "user-password-1"}) { id } }`,
		`mutation($u: ID!) { updateUser(id: $u, input: {name: "Boss"}) { id } }`,
		`mutation($u: ID!) { setUserStatus(id: $u, status: BLOCKED) { id } }`,
		`mutation($u: ID!) { grantPermission(userId: $u, permission: ADMIN) { id } }`,
		`mutation($u: ID!) { revokePermission(userId: $u, permission: VIEW_AUDIT) { id } }`,
		`mutation { createGroup(name: "Mine") { id } }`,
		`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`,
		`mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }`,
		`mutation { createPosition(name: "Mine") { id } }`,
		`mutation($p: ID!, $u: ID!) { grantPositionRight(positionId: $p, userId: $u) { includeSubtree } }`,
		`mutation($p: ID!, $u: ID!) { revokePositionRight(positionId: $p, userId: $u) { id } }`,
		`mutation { updateSettings(input: {externalFunctionsEnabled: true}) { externalFunctionsEnabled } }`,
		`{ auditLog { edges { cursor } } }`, // needs VIEW_AUDIT or ADMIN
		`{ outboxMessages { edges { cursor } } }`,
		`mutation { retryOutboxMessage(id: "1") { id } }`,
		`mutation($c: ID!) { setGuestAccess(contactId: $c, enabled: true) { id } }`, // needs GRANT_GUEST_ACCESS or ADMIN
		`mutation($c: ID!) { updateContact(id: $c, input: {email: "inny@example.com"}) { id } }`,
	} {
		used := map[string]any{}
		for k, v := range vars {
			if strings.Contains(q, "$"+k) {
				used[k] = v
			}
		}
		clerk.Do(q, used).MustFail(t, "FORBIDDEN")
	}
	if after := writes(s); after != before {
		t.Fatalf("forbidden mutations wrote rows: %v -> %v", before, after)
	}
	// Anonymous: UNAUTHENTICATED, never FORBIDDEN.
	s.Anonymous().Do(`mutation { createGroup(name: "Anon") { id } }`, nil).MustFail(t, "UNAUTHENTICATED")
	s.Anonymous().Do(`{ users { edges { cursor } } }`, nil).MustFail(t, "UNAUTHENTICATED")

	// VIEW_AUDIT opens the audit log and nothing else.
	admin.Do(`mutation($u: ID!) { grantPermission(userId: $u, permission: VIEW_AUDIT) { id } }`, vars).MustOK(t)
	clerk.Do(`{ auditLog(first: 1) { edges { cursor } } }`, nil).MustOK(t)
	clerk.Do(`mutation { createGroup(name: "Mine") { id } }`, nil).MustFail(t, "FORBIDDEN")
	// Revoking takes effect on the very next request.
	admin.Do(`mutation($u: ID!) { revokePermission(userId: $u, permission: VIEW_AUDIT) { id } }`, vars).MustOK(t)
	clerk.Do(`{ auditLog(first: 1) { edges { cursor } } }`, nil).MustFail(t, "FORBIDDEN")
}

func TestDirectoryAndStructure(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	boss := createUser(t, admin, "boss@casegate.test", "Beata Boss")
	var w struct{ CreateUser struct{ ID string } }
	admin.Do(`mutation($m: ID) { createUser(input: {email: "w@casegate.test", name: "Wojciech Worker", password: "user-password-1", managerId: $m, phone: "+48 600 100 200"}) { id } }`,
		map[string]any{"m": boss}).MustOK(t).Decode(t, &w)
	worker := w.CreateUser.ID
	// A manager chain may not loop.
	admin.Do(`mutation($id: ID!, $m: ID) { updateUser(id: $id, input: {managerId: $m}) { id } }`, map[string]any{"id": boss, "m": worker}).
		MustFail(t, "BAD_USER_INPUT")

	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t).Decode(t, &g)
	admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": g.CreateGroup.ID, "u": worker}).MustOK(t)
	admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": g.CreateGroup.ID, "u": worker}).MustOK(t) // idempotent

	var root, child struct{ CreatePosition struct{ ID string } }
	admin.Do(`mutation { createPosition(name: "Zarząd") { id } }`, nil).MustOK(t).Decode(t, &root)
	admin.Do(`mutation($p: ID) { createPosition(name: "Kadry", parentId: $p) { id } }`, map[string]any{"p": root.CreatePosition.ID}).MustOK(t).Decode(t, &child)
	admin.Do(`mutation($p: ID!, $u: ID!) { grantPositionRight(positionId: $p, userId: $u, includeSubtree: true) { includeSubtree position { name } user { email } } }`,
		map[string]any{"p": root.CreatePosition.ID, "u": worker}).MustOK(t)

	// An employee sees the directory and the tree; the worker's own view shows its groups and rights.
	wc := s.Login("w@casegate.test", "user-password-1")
	var me struct {
		Me struct {
			User struct {
				Phone   string
				Manager struct{ Email string }
				Groups  []struct{ Name string }
			}
			PositionRights []struct {
				IncludeSubtree bool
				Position       struct {
					Name     string
					Children struct {
						Edges []struct {
							Node struct {
								Name   string
								Parent struct{ Name string }
							}
						}
					}
				}
			}
		}
	}
	wc.Do(`{ me { user { phone manager { email } groups { name } } positionRights { includeSubtree position { name children { edges { node { name parent { name } } } } } } } }`, nil).
		MustOK(t).Decode(t, &me)
	u := me.Me.User
	if u.Phone != "+48 600 100 200" || u.Manager.Email != "boss@casegate.test" || len(u.Groups) != 1 || u.Groups[0].Name != "Kadry" {
		t.Fatalf("me.user = %+v", u)
	}
	if len(me.Me.PositionRights) != 1 || !me.Me.PositionRights[0].IncludeSubtree || me.Me.PositionRights[0].Position.Name != "Zarząd" ||
		me.Me.PositionRights[0].Position.Children.Edges[0].Node.Parent.Name != "Zarząd" {
		t.Fatalf("position rights = %+v", me.Me.PositionRights)
	}

	// Keyset paging walks the directory once, in name order, without repeats.
	var names []string
	after := ""
	for {
		var page struct {
			Users struct {
				Edges    []struct{ Node struct{ Name string } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		wc.Do(`query($after: String) { users(first: 1, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`, vars).MustOK(t).Decode(t, &page)
		for _, e := range page.Users.Edges {
			names = append(names, e.Node.Name)
		}
		if !page.Users.PageInfo.HasNextPage {
			break
		}
		after = page.Users.PageInfo.EndCursor
	}
	want := []string{"Administrator", "Beata Boss", "Wojciech Worker"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("paged names %v, want %v (system user excluded)", names, want)
	}
	// The built-in client-data group is listed with its key.
	var gs struct {
		Groups struct {
			Edges []struct {
				Node struct {
					Name string
					Key  *string
				}
			}
		}
	}
	wc.Do(`{ groups { edges { node { name key } } } }`, nil).MustOK(t).Decode(t, &gs)
	found := false
	for _, e := range gs.Groups.Edges {
		if e.Node.Key != nil && *e.Node.Key == "client-data" && e.Node.Name == "KLIENCI – ROZSZERZONY DOSTĘP DO DANYCH" {
			found = true
		}
	}
	if !found {
		t.Fatalf("client-data group not listed: %+v", gs)
	}
	// Removing a member takes the group away from the member's principal at once.
	admin.Do(`mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": g.CreateGroup.ID, "u": worker}).MustOK(t)
	var after2 struct {
		Me struct{ Groups []struct{ Name string } }
	}
	wc.Do(`{ me { groups { name } } }`, nil).MustOK(t).Decode(t, &after2)
	if len(after2.Me.Groups) != 0 {
		t.Fatalf("groups after removal = %+v", after2.Me.Groups)
	}
}

func TestSettings(t *testing.T) {
	// An SMS URL without its token is not a configured SMS service.
	s := gqltest.Start(t, func(c *config.Config) { c.SMSToken = "" })
	admin := s.Admin()
	var before struct {
		Settings struct {
			ExternalFunctionsEnabled              bool
			TimeZone, PublicBaseURL               string
			OutgoingMailConfigured, SmsConfigured bool
		}
	}
	admin.Do(`{ settings { externalFunctionsEnabled timeZone publicBaseURL outgoingMailConfigured smsConfigured } }`, nil).MustOK(t).Decode(t, &before)
	b := before.Settings
	if b.ExternalFunctionsEnabled || b.TimeZone != "Europe/Warsaw" || b.PublicBaseURL != "https://casegate.test" || !b.OutgoingMailConfigured || b.SmsConfigured {
		t.Fatalf("default settings = %+v", b)
	}
	admin.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: true, timeZone: "UTC"}) { externalFunctionsEnabled } }`, nil).MustOK(t)
	var after struct {
		Settings struct {
			ExternalFunctionsEnabled bool
			TimeZone                 string
		}
	}
	admin.Do(`{ settings { externalFunctionsEnabled timeZone } }`, nil).MustOK(t).Decode(t, &after)
	if !after.Settings.ExternalFunctionsEnabled || after.Settings.TimeZone != "UTC" {
		t.Fatalf("settings after update = %+v", after.Settings)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'settings.update' AND 'timeZone' = ANY(changed_fields)`); n != 1 {
		t.Fatalf("settings update audited %d times", n)
	}
}

// The built-in system user is not an account to administer: its profile, status, groups and
// position rights are refused with BAD_USER_INPUT naming the argument, and nothing is written.
func TestSystemUserCannotBeAdministered(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t).Decode(t, &g)
	var p struct{ CreatePosition struct{ ID string } }
	admin.Do(`mutation { createPosition(name: "HQ") { id } }`, nil).MustOK(t).Decode(t, &p)
	vars := map[string]any{"u": access.SystemUserID, "g": g.CreateGroup.ID, "p": p.CreatePosition.ID}
	before := writes(s)
	for _, tc := range []struct{ query, field string }{
		{`mutation($u: ID!) { updateUser(id: $u, input: {name: "Not the system"}) { id } }`, "id"},
		{`mutation($u: ID!) { setUserStatus(id: $u, status: BLOCKED) { id } }`, "id"},
		{`mutation($u: ID!) { setUserStatus(id: $u, status: ACTIVE) { id } }`, "id"},
		{`mutation($u: ID!) { grantPermission(userId: $u, permission: ADMIN) { id } }`, "userId"},
		{`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, "userId"},
		{`mutation($p: ID!, $u: ID!) { grantPositionRight(positionId: $p, userId: $u) { includeSubtree } }`, "userId"},
	} {
		used := map[string]any{}
		for k, v := range vars {
			if strings.Contains(tc.query, "$"+k) {
				used[k] = v
			}
		}
		e := admin.Do(tc.query, used).MustFail(t, "BAD_USER_INPUT")
		if e.Extensions["field"] != tc.field {
			t.Errorf("%s: field = %v, want %s", tc.query, e.Extensions["field"], tc.field)
		}
	}
	if after := writes(s); after != before {
		t.Fatalf("refused changes of the system user wrote rows: %v -> %v", before, after)
	}
}

func TestUpdateUserWithoutChangesIsRefused(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	id := createUser(t, admin, "same@casegate.test", "Same")
	before := writes(s)
	e := admin.Do(`mutation($u: ID!) { updateUser(id: $u, input: {}) { id } }`, map[string]any{"u": id}).MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["field"] != "input" || !strings.Contains(e.Message, "names no field to change") {
		t.Fatalf("empty update: %q %v", e.Message, e.Extensions)
	}
	if after := writes(s); after != before {
		t.Fatalf("an empty update wrote rows (an audit record?): %v -> %v", before, after)
	}
}

func TestGroupSearchMatchesPatternCharactersLiterally(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	for _, name := range []string{"100% done", "1000 done", "A_B", "AxB", `back\slash`} {
		admin.Do(`mutation($n: String!) { createGroup(name: $n) { id } }`, map[string]any{"n": name}).MustOK(t)
	}
	for search, want := range map[string]string{"%": "100% done", "_": "A_B", `\`: `back\slash`, "0% d": "100% done"} {
		var out struct {
			Groups struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		admin.Do(`query($q: String) { groups(search: $q) { edges { node { name } } } }`, map[string]any{"q": search}).MustOK(t).Decode(t, &out)
		if len(out.Groups.Edges) != 1 || out.Groups.Edges[0].Node.Name != want {
			t.Errorf("search %q found %+v, want only %q", search, out.Groups.Edges, want)
		}
	}
}

// A database error is not the caller's fault: only "no such user / position" is BAD_USER_INPUT.
func TestDatabaseErrorsAreNotBadInput(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t).Decode(t, &g)
	var p struct{ CreatePosition struct{ ID string } }
	admin.Do(`mutation { createPosition(name: "HQ") { id } }`, nil).MustOK(t).Decode(t, &p)
	uid := createUser(t, admin, "member@casegate.test", "Member")
	ctx := context.Background()
	root := &access.Principal{Kind: access.KindInternal, UserID: "00000000-0000-0000-0000-0000000000aa",
		NativeUserID: "00000000-0000-0000-0000-0000000000aa", Permissions: []access.Permission{access.PermAdmin}}
	r := s.App.Resolver

	// A missing user or parent is still the caller's fault.
	if _, err := r.GroupService.AddMember(ctx, root, g.CreateGroup.ID, "00000000-0000-0000-0000-00000000dead"); !isInput(err, "userId") {
		t.Fatalf("AddMember of an unknown user: %v", err)
	}
	missing := "00000000-0000-0000-0000-00000000dead"
	if _, err := r.PositionService.Create(ctx, root, "Child", &missing); !isInput(err, "parentId") {
		t.Fatalf("Create under an unknown parent: %v", err)
	}

	// A broken database is not.
	for _, stmt := range []string{`ALTER TABLE users RENAME TO users_gone`, `ALTER TABLE positions RENAME TO positions_gone`} {
		if _, err := s.DB.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.GroupService.AddMember(ctx, root, g.CreateGroup.ID, uid); err == nil || errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("AddMember with the users table gone: %v, want a database error", err)
	}
	if _, err := r.PositionService.Create(ctx, root, "Child", &p.CreatePosition.ID); err == nil || errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("Create with the positions table gone: %v, want a database error", err)
	}
}

func isInput(err error, field string) bool {
	var ie *apperr.InputError
	return errors.As(err, &ie) && ie.Field == field
}

// Two administrators removing each other at the same moment cannot leave nobody in charge.
func TestLastActiveAdministratorStays(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	other := createUser(t, admin, "second@casegate.test", "Second Admin")
	var me struct {
		Me struct{ User struct{ ID string } }
	}
	admin.Do(`{ me { user { id } } }`, nil).MustOK(t).Decode(t, &me)
	first := me.Me.User.ID
	ctx := context.Background()
	users := s.App.Resolver.UserService
	principal := func(id string) *access.Principal {
		return &access.Principal{Kind: access.KindInternal, UserID: id, NativeUserID: id, Permissions: []access.Permission{access.PermAdmin}}
	}
	restore := func() {
		t.Helper()
		for _, id := range []string{first, other} {
			if _, err := users.SetStatus(ctx, access.System(), id, "ACTIVE"); err != nil {
				t.Fatal(err)
			}
			if _, err := users.GrantPermission(ctx, access.System(), id, access.PermAdmin); err != nil {
				t.Fatal(err)
			}
		}
	}
	activeAdmins := func() int {
		return s.Count(`SELECT count(*) FROM users WHERE status = 'ACTIVE' AND 'ADMIN' = ANY(permissions)`)
	}
	for _, tc := range []struct {
		name   string
		remove func(actor, target string) error
	}{
		{"revoke ADMIN", func(actor, target string) error {
			_, err := users.RevokePermission(ctx, principal(actor), target, access.PermAdmin)
			return err
		}},
		{"deactivate", func(actor, target string) error {
			_, err := users.SetStatus(ctx, principal(actor), target, "DEACTIVATED")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 10 {
				restore()
				errs := make([]error, 2)
				start := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() { <-start; errs[0] = tc.remove(first, other) })
				wg.Go(func() { <-start; errs[1] = tc.remove(other, first) })
				close(start)
				wg.Wait()
				if n := activeAdmins(); n != 1 {
					t.Fatalf("%d active administrators left (errors %v), want 1", n, errs)
				}
				refused := 0
				for _, err := range errs {
					if err != nil {
						if !errors.Is(err, apperr.ErrBadInput) {
							t.Fatalf("unexpected error: %v", err)
						}
						refused++
					}
				}
				if refused != 1 {
					t.Fatalf("errors %v, want exactly one refusal", errs)
				}
			}
		})
	}
	// Alone, the last administrator's removal is refused even by the system.
	restore()
	if _, err := users.RevokePermission(ctx, principal(first), other, access.PermAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := users.SetStatus(ctx, access.System(), first, "BLOCKED"); !errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("blocking the last administrator: %v", err)
	}
	if _, err := users.RevokePermission(ctx, access.System(), first, access.PermAdmin); !errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("revoking the last administrator's ADMIN: %v", err)
	}
	// The self check looks at who is logged in (the native user).
	substituting := &access.Principal{Kind: access.KindInternal, UserID: other, NativeUserID: first, SubstitutionID: "s",
		Permissions: []access.Permission{access.PermAdmin}}
	if _, err := users.RevokePermission(ctx, substituting, first, access.PermAdmin); !isInput(err, "permission") {
		t.Fatalf("revoking one's own ADMIN while substituting: %v", err)
	}
}
