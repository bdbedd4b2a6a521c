package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
)

var activateRE = regexp.MustCompile(`https://casegate\.test/activate/([A-Za-z0-9_-]+)`)

const (
	setGuestAccessQ = `mutation($c: ID!, $on: Boolean!) { setGuestAccess(contactId: $c, enabled: $on) { id name email guestAccess guestActivated } }`
	activateQ       = `mutation($t: String!, $p: String!) { activateAccount(token: $t, password: $p) { token expiresAt viewer { kind user { email name } contact { id name email guestAccess guestActivated } } } }`
	updateContactQ  = `mutation($id: ID!, $in: UpdateContactInput!) { updateContact(id: $id, input: $in) { id name email guestAccess guestActivated } }`
)

type guestContact struct {
	ID, Name       string
	Email          *string
	GuestAccess    bool
	GuestActivated bool
}

type activation struct {
	ActivateAccount struct {
		Token  string
		Viewer struct {
			Kind    string
			User    struct{ Email, Name string }
			Contact *guestContact
		}
	}
}

// newContact creates a contact (of company, when given) and returns its id.
func newContact(t *testing.T, admin *gqltest.Client, name, email, company string) string {
	t.Helper()
	in := map[string]any{"name": name}
	if email != "" {
		in["email"] = email
	}
	if company != "" {
		in["companyId"] = company
	}
	var out struct{ CreateContact struct{ ID string } }
	admin.Do(`mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`, map[string]any{"in": in}).MustOK(t).Decode(t, &out)
	return out.CreateContact.ID
}

func setGuestAccess(c *gqltest.Client, contact string, on bool) *gqltest.Response {
	return c.Do(setGuestAccessQ, map[string]any{"c": contact, "on": on})
}

func enableGuest(t *testing.T, c *gqltest.Client, contact string) guestContact {
	t.Helper()
	var out struct{ SetGuestAccess guestContact }
	setGuestAccess(c, contact, true).MustOK(t).Decode(t, &out)
	return out.SetGuestAccess
}

func activate(c *gqltest.Client, token, pw string) *gqltest.Response {
	return c.Do(activateQ, map[string]any{"t": token, "p": pw})
}

// invitations delivers the outbox and returns the activation tokens mailed to address, oldest first.
func invitations(t *testing.T, s *gqltest.Server, address string) []string {
	t.Helper()
	var tokens []string
	for _, m := range mailsTo(t, s, address) {
		if m := activateRE.FindStringSubmatch(m.Body); m != nil {
			tokens = append(tokens, m[1])
		}
	}
	return tokens
}

// lastInvitation is the newest activation token mailed to address; want is how many there must be.
func lastInvitation(t *testing.T, s *gqltest.Server, address string, want int) string {
	t.Helper()
	tokens := invitations(t, s, address)
	if len(tokens) != want {
		t.Fatalf("%d invitations to %s, want %d", len(tokens), address, want)
	}
	return tokens[want-1]
}

// guestWrites are the row counts a refused guest-account operation must leave as they were.
func guestWrites(s *gqltest.Server) [11]int {
	w := writes(s)
	return [11]int{w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8],
		s.Count(`SELECT count(*) FROM guest_invitations`),
		s.Count(`SELECT count(*) FROM clients WHERE email IS NOT NULL`)}
}

func auditCount(s *gqltest.Server, action string) int {
	return s.Count(`SELECT count(*) FROM audit_log WHERE action = ?`, action)
}

func TestGuestInvitationActivationAndLogin(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	var company struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	contact := newContact(t, admin, "Jan Klient", "Jan.Klient@example.com", company.CreateCompany.ID)

	c := enableGuest(t, admin, contact)
	if !c.GuestAccess || c.GuestActivated {
		t.Fatalf("after setGuestAccess: %+v", c)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE contact_id = ? AND email = 'Jan.Klient@example.com' AND name = 'Jan Klient'
		AND password_hash IS NULL AND status = 'ACTIVE'`, contact); n != 1 {
		t.Fatal("no guest account with the contact's e-mail, name and no password")
	}
	if n := auditCount(s, "guest.enable"); n != 1 {
		t.Fatalf("%d guest.enable records", n)
	}

	msgs := mailsTo(t, s, "Jan.Klient@example.com")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "guest access") || !strings.Contains(msgs[0].Body, "72 hours") {
		t.Fatalf("invitation mails: %+v", msgs)
	}
	token := activateRE.FindStringSubmatch(msgs[0].Body)[1]
	// The token is kept only as a hash; the outbox forgets the mail's body once sent.
	if n := s.Count(`SELECT count(*) FROM outbox WHERE body LIKE ?`, "%"+token+"%"); n != 0 {
		t.Fatal("the activation token is still in the outbox")
	}
	if n := s.Count(`SELECT count(*) FROM guest_invitations WHERE token_hash = sha256(convert_to(?, 'UTF8'))`, token); n != 1 {
		t.Fatal("no invitation stored under the token's hash")
	}

	anon := s.Anonymous()
	// Before activation there is no password to log in with.
	login(anon, "jan.klient@example.com", "guest-password-1").MustFail(t, "UNAUTHENTICATED")

	activate(anon, token, "weak").MustFail(t, "BAD_USER_INPUT")
	forged := activate(anon, "forged-token", "guest-password-1").MustFail(t, "BAD_USER_INPUT")
	var a activation
	activate(anon, token, "guest-password-1").MustOK(t).Decode(t, &a)
	v := a.ActivateAccount.Viewer
	if v.Kind != "EXTERNAL" || v.Contact == nil || v.Contact.ID != contact || v.User.Email != "Jan.Klient@example.com" ||
		!v.Contact.GuestAccess || !v.Contact.GuestActivated {
		t.Fatalf("activation viewer = %+v", v)
	}
	guest := s.WithToken(a.ActivateAccount.Token)
	var me struct {
		Me struct {
			Kind    string
			Contact struct{ ID string }
		}
	}
	guest.Do(`{ me { kind contact { id } } }`, nil).MustOK(t).Decode(t, &me)
	if me.Me.Kind != "EXTERNAL" || me.Me.Contact.ID != contact {
		t.Fatalf("me = %+v", me)
	}
	// Single use: a used link answers exactly like a forged one.
	used := activate(anon, token, "guest-password-2").MustFail(t, "BAD_USER_INPUT")
	if used.Message != forged.Message || used.Extensions["field"] != forged.Extensions["field"] {
		t.Fatalf("a used link answers %+v, a forged one %+v", used, forged)
	}

	// The guest logs in like an employee, with its e-mail in any case, to an EXTERNAL session.
	var l struct {
		Login struct{ Viewer struct{ Kind string } }
	}
	login(anon, "JAN.KLIENT@example.com", "guest-password-1").MustOK(t).Decode(t, &l)
	if l.Login.Viewer.Kind != "EXTERNAL" {
		t.Fatalf("a guest's login opens a %s session", l.Login.Viewer.Kind)
	}
	login(anon, "jan.klient@example.com", "guest-password-2").MustFail(t, "UNAUTHENTICATED")

	// Enabling an enabled, activated account changes nothing: no mail, no record.
	c = enableGuest(t, admin, contact)
	if !c.GuestAccess || !c.GuestActivated {
		t.Fatalf("after enabling again: %+v", c)
	}
	if n := len(mailsTo(t, s, "Jan.Klient@example.com")); n != 1 {
		t.Fatalf("%d mails after enabling again, want 1", n)
	}
	if n := auditCount(s, "guest.enable") + auditCount(s, "guest.invite"); n != 1 {
		t.Fatalf("enabling again was recorded (%d records)", n)
	}
	if n := auditCount(s, "guest.activate"); n != 1 {
		t.Fatalf("%d guest.activate records", n)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password' AND kind = 'EXTERNAL' AND contact_id = ?`, contact); n != 1 {
		t.Fatal("the password set at activation is not recorded as the guest's")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE array_to_string(changed_fields, ' ') LIKE '%guest-password%'`); n != 0 {
		t.Fatal("password in the audit log")
	}

	// The employees' directory lists employees only.
	var dir struct {
		Users struct {
			Edges []struct{ Node struct{ Email string } }
		}
	}
	admin.Do(`{ users(first: 100) { edges { node { email } } } }`, nil).MustOK(t).Decode(t, &dir)
	for _, e := range dir.Users.Edges {
		if strings.EqualFold(e.Node.Email, "jan.klient@example.com") {
			t.Fatal("the guest account is listed in the employees' directory")
		}
	}
	var guestID string
	if err := s.DB.QueryRowContext(t.Context(), `SELECT id FROM users WHERE contact_id = ?`, contact).Scan(&guestID); err != nil {
		t.Fatal(err)
	}
	admin.Do(`query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": guestID}).MustFail(t, "NOT_FOUND")
	// Nor can the users' administration reach it: the contact is the way.
	admin.Do(`mutation($id: ID!) { setUserStatus(id: $id, status: BLOCKED) { id } }`, map[string]any{"id": guestID}).MustFail(t, "NOT_FOUND")
	admin.Do(`mutation($id: ID!) { grantPermission(userId: $id, permission: ADMIN) { id } }`, map[string]any{"id": guestID}).MustFail(t, "NOT_FOUND")
	var g struct{ CreateGroup struct{ ID string } }
	admin.Do(`mutation { createGroup(name: "Kadry") { id } }`, nil).MustOK(t).Decode(t, &g)
	if e := admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`,
		map[string]any{"g": g.CreateGroup.ID, "u": guestID}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "userId" {
		t.Errorf("adding a guest to a group: refusal names %v", e.Extensions["field"])
	}
}

func TestGuestInvitationExpiresAndIsResent(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	contact := newContact(t, admin, "Ewa Późna", "ewa@example.com", "")
	enableGuest(t, admin, contact)
	first := lastInvitation(t, s, "ewa@example.com", 1)
	s.Clock.Advance(72*time.Hour + time.Minute)
	anon := s.Anonymous()
	activate(anon, first, "guest-password-1").MustFail(t, "BAD_USER_INPUT")
	admin = s.Admin() // the administrator's session expired meanwhile

	// Enabling an account never activated sends a new invitation; the older links stop working.
	c := enableGuest(t, admin, contact)
	if !c.GuestAccess || c.GuestActivated {
		t.Fatalf("after resending: %+v", c)
	}
	second := lastInvitation(t, s, "ewa@example.com", 2)
	enableGuest(t, admin, contact)
	third := lastInvitation(t, s, "ewa@example.com", 3)
	if n := auditCount(s, "guest.invite"); n != 2 {
		t.Fatalf("%d guest.invite records, want 2", n)
	}
	activate(anon, second, "guest-password-1").MustFail(t, "BAD_USER_INPUT")
	// Just before its 72 hours end, the newest link works.
	s.Clock.Advance(72*time.Hour - time.Minute)
	var a activation
	activate(anon, third, "guest-password-1").MustOK(t).Decode(t, &a)
	if a.ActivateAccount.Viewer.Kind != "EXTERNAL" {
		t.Fatalf("activated into %s", a.ActivateAccount.Viewer.Kind)
	}
}

func TestGuestDisableAndReenable(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	contact := newContact(t, admin, "Olga Gość", "olga@example.com", "")
	enableGuest(t, admin, contact)
	anon := s.Anonymous()
	var a activation
	activate(anon, lastInvitation(t, s, "olga@example.com", 1), "guest-password-1").MustOK(t).Decode(t, &a)
	guest := s.WithToken(a.ActivateAccount.Token)
	other := s.Login("olga@example.com", "guest-password-1")
	guest.Do(`{ me { kind } }`, nil).MustOK(t)

	var off struct{ SetGuestAccess guestContact }
	setGuestAccess(admin, contact, false).MustOK(t).Decode(t, &off)
	if off.SetGuestAccess.GuestAccess {
		t.Fatalf("after disabling: %+v", off.SetGuestAccess)
	}
	// Every session ends at once; the guest can no longer log in, nor ask for a reset link.
	guest.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	other.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	login(anon, "olga@example.com", "guest-password-1").MustFail(t, "UNAUTHENTICATED")
	anon.Do(`mutation { requestPasswordReset(email: "olga@example.com") }`, nil).MustOK(t)
	if n := len(mailsTo(t, s, "olga@example.com")); n != 1 {
		t.Fatalf("%d mails to a disabled guest, want only the invitation", n)
	}
	if n := auditCount(s, "guest.disable"); n != 1 {
		t.Fatalf("%d guest.disable records", n)
	}
	// Disabling again changes nothing.
	setGuestAccess(admin, contact, false).MustOK(t)
	if n := auditCount(s, "guest.disable"); n != 1 {
		t.Fatalf("disabling again recorded: %d records", n)
	}

	// Enabling again: a new invitation; the old password no longer opens the account.
	c := enableGuest(t, admin, contact)
	if !c.GuestAccess || c.GuestActivated {
		t.Fatalf("after enabling again: %+v", c)
	}
	second := lastInvitation(t, s, "olga@example.com", 2)
	login(anon, "olga@example.com", "guest-password-1").MustFail(t, "UNAUTHENTICATED")
	// Disabled before use, that link stops too; the next invitation's works, the older ones never.
	setGuestAccess(admin, contact, false).MustOK(t)
	activate(anon, second, "guest-password-2").MustFail(t, "BAD_USER_INPUT")
	enableGuest(t, admin, contact)
	third := lastInvitation(t, s, "olga@example.com", 3)
	activate(anon, second, "guest-password-2").MustFail(t, "BAD_USER_INPUT")
	activate(anon, third, "guest-password-3").MustOK(t)
	s.Login("olga@example.com", "guest-password-3").Do(`{ me { kind } }`, nil).MustOK(t)
}

func TestGuestPasswordReset(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	contact := newContact(t, admin, "Piotr Zapominalski", "piotr@example.com", "")
	enableGuest(t, admin, contact)
	anon := s.Anonymous()
	var a activation
	activate(anon, lastInvitation(t, s, "piotr@example.com", 1), "guest-password-1").MustOK(t).Decode(t, &a)
	old := s.WithToken(a.ActivateAccount.Token)

	anon.Do(`mutation { requestPasswordReset(email: "nobody@example.com") }`, nil).MustOK(t)
	anon.Do(`mutation { requestPasswordReset(email: "Piotr@example.com") }`, nil).MustOK(t)
	msgs := mailsTo(t, s, "piotr@example.com")
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want the invitation and the reset link", len(msgs))
	}
	m := linkRE.FindStringSubmatch(msgs[1].Body)
	if m == nil {
		t.Fatalf("no reset link in %q", msgs[1].Body)
	}
	reset := `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }`
	anon.Do(reset, map[string]any{"t": m[1], "p": "guest-password-2"}).MustOK(t)
	old.Do(`{ me { kind } }`, nil).MustFail(t, "UNAUTHENTICATED")
	login(anon, "piotr@example.com", "guest-password-1").MustFail(t, "UNAUTHENTICATED")
	var l struct {
		Login struct{ Viewer struct{ Kind string } }
	}
	login(anon, "piotr@example.com", "guest-password-2").MustOK(t).Decode(t, &l)
	if l.Login.Viewer.Kind != "EXTERNAL" {
		t.Fatalf("after a reset the guest logs in to %s", l.Login.Viewer.Kind)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password' AND kind = 'EXTERNAL' AND contact_id = ?`, contact); n != 2 {
		t.Fatalf("%d password changes recorded as the guest's, want 2 (activation, reset)", n)
	}
}

func TestGuestAccessRefusals(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "anna@casegate.test", "Anna Pracownik")
	clerkID := createUser(t, admin, "clerk@casegate.test", "Clerk")
	clerk := s.Login("clerk@casegate.test", "user-password-1")
	var company struct{ CreateCompany struct{ ID string } }
	admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	noEmail := newContact(t, admin, "Bez Maila", "", "")
	employees := newContact(t, admin, "Anna Klientka", "ANNA@casegate.test", "")
	guest := newContact(t, admin, "Gość", "gosc@example.com", "")
	twin := newContact(t, admin, "Gość Bliźniak", "Gosc@Example.com", "")
	enableGuest(t, admin, guest)

	before := guestWrites(s)
	fail := func(c *gqltest.Client, contact, code, field string) {
		t.Helper()
		e := setGuestAccess(c, contact, true).MustFail(t, code)
		if field != "" && e.Extensions["field"] != field {
			t.Errorf("setGuestAccess(%s): %s names %v, want %s", contact, code, e.Extensions["field"], field)
		}
	}
	fail(admin, noEmail, "BAD_USER_INPUT", "email")
	fail(admin, employees, "CONFLICT", "email")
	fail(admin, twin, "CONFLICT", "email")
	fail(admin, company.CreateCompany.ID, "BAD_USER_INPUT", "contactId")
	fail(admin, "00000000-0000-4000-8000-000000000000", "NOT_FOUND", "")
	fail(clerk, guest, "FORBIDDEN", "")
	clerk.Do(updateContactQ, map[string]any{"id": guest, "in": map[string]any{"email": "x@example.com"}}).MustFail(t, "FORBIDDEN")
	s.Anonymous().Do(setGuestAccessQ, map[string]any{"c": guest, "on": true}).MustFail(t, "UNAUTHENTICATED")
	if after := guestWrites(s); after != before {
		t.Fatalf("refused calls wrote rows: %v -> %v", before, after)
	}
	if n := s.Count(`SELECT count(*) FROM users WHERE contact_id IS NOT NULL`); n != 1 {
		t.Fatalf("%d guest accounts, want 1", n)
	}

	// GRANT_GUEST_ACCESS is enough, without ADMIN; a guest holds no such power.
	admin.Do(`mutation($u: ID!) { grantPermission(userId: $u, permission: GRANT_GUEST_ACCESS) { id } }`, map[string]any{"u": clerkID}).MustOK(t)
	setGuestAccess(clerk, guest, false).MustOK(t)
	enableGuest(t, clerk, guest)
	token := lastInvitation(t, s, "gosc@example.com", 2)
	var a activation
	activate(s.Anonymous(), token, "guest-password-1").MustOK(t).Decode(t, &a)
	g := s.WithToken(a.ActivateAccount.Token)
	g.Do(setGuestAccessQ, map[string]any{"c": guest, "on": false}).MustFail(t, "FORBIDDEN")
	g.Do(updateContactQ, map[string]any{"id": guest, "in": map[string]any{"email": "x@example.com"}}).MustFail(t, "FORBIDDEN")
}

func TestGuestEmailChangeChangesLogin(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	createUser(t, admin, "anna@casegate.test", "Anna Pracownik")
	contact := newContact(t, admin, "Marek Klient", "marek@example.com", "")
	enableGuest(t, admin, contact)
	anon := s.Anonymous()
	activate(anon, lastInvitation(t, s, "marek@example.com", 1), "guest-password-1").MustOK(t)
	update := func(in map[string]any) *gqltest.Response {
		return admin.Do(updateContactQ, map[string]any{"id": contact, "in": in})
	}

	// Refused: an employee's e-mail (any case), no e-mail at all while the guest has access.
	before := guestWrites(s)
	if e := update(map[string]any{"email": "Anna@casegate.test"}).MustFail(t, "CONFLICT"); e.Extensions["field"] != "email" {
		t.Errorf("conflict names %v", e.Extensions["field"])
	}
	if e := update(map[string]any{"email": ""}).MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "email" {
		t.Errorf("removing the e-mail: refusal names %v", e.Extensions["field"])
	}
	if after := guestWrites(s); after != before {
		t.Fatalf("refused changes wrote rows: %v -> %v", before, after)
	}

	var out struct{ UpdateContact guestContact }
	update(map[string]any{"email": "marek.nowy@example.com", "name": "Marek Nowy"}).MustOK(t).Decode(t, &out)
	if c := out.UpdateContact; *c.Email != "marek.nowy@example.com" || c.Name != "Marek Nowy" || !c.GuestAccess || !c.GuestActivated {
		t.Fatalf("updated contact = %+v", c)
	}
	login(anon, "marek@example.com", "guest-password-1").MustFail(t, "UNAUTHENTICATED")
	var l struct {
		Login struct {
			Viewer struct {
				Kind string
				User struct{ Name string }
			}
		}
	}
	anon.Do(`mutation { login(email: "marek.nowy@example.com", password: "guest-password-1") { viewer { kind user { name } } } }`, nil).MustOK(t).Decode(t, &l)
	if l.Login.Viewer.Kind != "EXTERNAL" || l.Login.Viewer.User.Name != "Marek Nowy" {
		t.Fatalf("login with the new e-mail: %+v", l.Login.Viewer)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'guest.login' AND 'email' = ANY(changed_fields)`); n != 1 {
		t.Fatalf("%d login changes recorded", n)
	}
	if n := auditCount(s, "client.contact.update"); n != 1 {
		t.Fatalf("%d contact updates recorded", n)
	}

	// A guest not yet activated is invited again at the new address; the old link stops.
	other := newContact(t, admin, "Zofia", "zofia@example.com", "")
	enableGuest(t, admin, other)
	old := lastInvitation(t, s, "zofia@example.com", 1)
	admin.Do(updateContactQ, map[string]any{"id": other, "in": map[string]any{"email": "zofia@example.org"}}).MustOK(t)
	fresh := lastInvitation(t, s, "zofia@example.org", 1)
	activate(anon, old, "guest-password-1").MustFail(t, "BAD_USER_INPUT")
	activate(anon, fresh, "guest-password-1").MustOK(t)
	s.Login("zofia@example.org", "guest-password-1")

	// A contact without guest access changes freely.
	plain := newContact(t, admin, "Bez Konta", "bez@example.com", "")
	admin.Do(updateContactQ, map[string]any{"id": plain, "in": map[string]any{"email": "", "phone": "+48 600 100 200"}}).MustOK(t)
}
