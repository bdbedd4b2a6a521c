package app_test

import (
	"slices"
	"time"

	"testing"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestSubstitutionValidation: every refusal of a new substitution is BAD_USER_INPUT naming the
// field, and writes nothing; the defaults are the caller, today and true.
func TestSubstitutionValidation(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	anna := createUser(t, admin, "anna@casegate.test", "Anna")
	bogdan := createUser(t, admin, "bogdan@casegate.test", "Bogdan")
	gone := createUser(t, admin, "gone@casegate.test", "Gone")
	setUserStatus(t, admin, gone, "DEACTIVATED")
	blocked := createUser(t, admin, "blocked@casegate.test", "Blocked")
	setUserStatus(t, admin, blocked, "BLOCKED")
	expired := createUser(t, admin, "expired@casegate.test", "Expired")
	updateUser(t, admin, expired, map[string]any{"profileExpiresOn": warsawDay(s, -1)})

	cases := []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"no substitute", map[string]any{"substitutedId": anna}, "substituteId"},
		{"substitute is the substituted", map[string]any{"substitutedId": anna, "substituteId": anna}, "substituteId"},
		{"dateTo yesterday", map[string]any{"substitutedId": anna, "substituteId": bogdan, "dateFrom": warsawDay(s, -3), "dateTo": warsawDay(s, -1)}, "dateTo"},
		{"dateTo before dateFrom", map[string]any{"substitutedId": anna, "substituteId": bogdan, "dateFrom": warsawDay(s, 5), "dateTo": warsawDay(s, 4)}, "dateTo"},
		{"dateFrom too far", map[string]any{"substitutedId": anna, "substituteId": bogdan, "dateFrom": warsawDay(s, 3700), "dateTo": warsawDay(s, 3701)}, "dateFrom"},
		{"dateTo too far", map[string]any{"substitutedId": anna, "substituteId": bogdan, "dateTo": warsawDay(s, 3700)}, "dateTo"},
		{"deactivated substitute", map[string]any{"substitutedId": anna, "substituteId": gone}, "substituteId"},
		{"blocked substitute", map[string]any{"substitutedId": anna, "substituteId": blocked}, "substituteId"},
		{"deactivated substituted", map[string]any{"substitutedId": gone, "substituteId": anna}, "substitutedId"},
		{"blocked substituted", map[string]any{"substitutedId": blocked, "substituteId": anna}, "substitutedId"},
		{"expired substituted", map[string]any{"substitutedId": expired, "substituteId": anna}, "substitutedId"},
		{"unknown substituted", map[string]any{"substitutedId": "00000000-0000-4000-8000-000000000999", "substituteId": anna}, "substitutedId"},
		{"system user as substitute", map[string]any{"substitutedId": anna, "substituteId": access.SystemUserID}, "substituteId"},
		{"malformed substitute", map[string]any{"substitutedId": anna, "substituteId": "not-an-id"}, "substituteId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Count(`SELECT count(*) FROM audit_log`)
			e := createSubstitution(admin, tc.in).MustFail(t, "BAD_USER_INPUT")
			if e.Extensions["field"] != tc.field {
				t.Errorf("field %v, want %s (%s)", e.Extensions["field"], tc.field, e.Message)
			}
			if n := s.Count(`SELECT count(*) FROM substitutions`); n != 0 {
				t.Errorf("%d substitutions written", n)
			}
			if after := s.Count(`SELECT count(*) FROM audit_log`); after != before {
				t.Errorf("audit grew by %d", after-before)
			}
		})
	}

	// dateFrom may be in the past; an expired profile with the setting on.
	past := mustSubstitution(t, createSubstitution(admin, map[string]any{"substitutedId": anna, "substituteId": bogdan,
		"dateFrom": warsawDay(s, -10), "dateTo": warsawDay(s, 0)}))
	if past.DateFrom != warsawDay(s, -10) || past.Status != "ACTIVE" {
		t.Errorf("past dateFrom: %+v", past)
	}
	admin.Do(`mutation { updateSettings(input: { substitutionForExpiredProfiles: true }) { substitutionForExpiredProfiles } }`, nil).MustOK(t)
	mustSubstitution(t, createSubstitution(admin, map[string]any{"substitutedId": expired, "substituteId": anna}))

	// Defaults: the caller, today to today, active, forwarding.
	grantPermission(t, admin, anna, "MANAGE_SUBSTITUTIONS_OWN")
	def := mustSubstitution(t, createSubstitution(s.Login("anna@casegate.test", "user-password-1"), map[string]any{"substituteId": bogdan}))
	today := warsawDay(s, 0)
	if def.Substituted.ID != anna || def.Substitute.ID != bogdan || def.DateFrom != today || def.DateTo != today ||
		!def.Active || !def.ForwardEmails || def.Status != "ACTIVE" || def.CreatedBy == nil || def.CreatedBy.ID != anna {
		t.Errorf("defaults: %+v", def)
	}
	if !def.EndsAt.Equal(def.StartsAt.AddDate(0, 0, 1)) {
		t.Errorf("a one-day period runs %s to %s", def.StartsAt, def.EndsAt)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'substitution.create' AND entity_id = ?`, def.ID); n != 1 {
		t.Errorf("%d audit records of the creation", n)
	}
}

// TestSubstitutionEditRules: before the period everything may change; once it has started only
// dateTo (today or later) and active, and a value sent unchanged is no change.
func TestSubstitutionEditRules(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	anna := createUser(t, admin, "anna@casegate.test", "Anna")
	bogdan := createUser(t, admin, "bogdan@casegate.test", "Bogdan")
	celina := createUser(t, admin, "celina@casegate.test", "Celina")

	future := mustSubstitution(t, createSubstitution(admin, map[string]any{"substitutedId": anna, "substituteId": bogdan,
		"dateFrom": warsawDay(s, 3), "dateTo": warsawDay(s, 5)}))
	changed := mustSubstitution(t, updateSubstitution(admin, future.ID, map[string]any{"substitutedId": celina, "substituteId": anna,
		"dateFrom": warsawDay(s, 4), "dateTo": warsawDay(s, 9), "forwardEmails": false}))
	if changed.Substituted.ID != celina || changed.Substitute.ID != anna || changed.DateFrom != warsawDay(s, 4) ||
		changed.DateTo != warsawDay(s, 9) || changed.ForwardEmails {
		t.Errorf("a future substitution changes wholly: %+v", changed)
	}
	updateSubstitution(admin, future.ID, map[string]any{"substituteId": celina}).MustFail(t, "BAD_USER_INPUT")

	ongoing := mustSubstitution(t, createSubstitution(admin, map[string]any{"substitutedId": anna, "substituteId": bogdan,
		"dateFrom": warsawDay(s, -2), "dateTo": warsawDay(s, 2)}))
	for field, v := range map[string]any{"substitutedId": celina, "substituteId": celina, "dateFrom": warsawDay(s, -1), "forwardEmails": false} {
		e := updateSubstitution(admin, ongoing.ID, map[string]any{field: v}).MustFail(t, "BAD_USER_INPUT")
		if e.Extensions["field"] != field {
			t.Errorf("changing %s of an ongoing substitution: field %v", field, e.Extensions["field"])
		}
	}
	e := updateSubstitution(admin, ongoing.ID, map[string]any{"dateTo": warsawDay(s, -1)}).MustFail(t, "BAD_USER_INPUT")
	if e.Extensions["field"] != "dateTo" {
		t.Errorf("dateTo in the past: %v", e.Extensions)
	}
	// The same values as stored, and a new dateTo and active, are accepted.
	same := mustSubstitution(t, updateSubstitution(admin, ongoing.ID, map[string]any{"substitutedId": anna, "substituteId": bogdan,
		"dateFrom": warsawDay(s, -2), "forwardEmails": true, "dateTo": warsawDay(s, 0)}))
	if same.DateTo != warsawDay(s, 0) {
		t.Errorf("dateTo today: %+v", same)
	}
	off := mustSubstitution(t, updateSubstitution(admin, ongoing.ID, map[string]any{"active": false}))
	if off.Active || off.Status != "INACTIVE" {
		t.Errorf("deactivated: %+v", off)
	}
	// Extending needs a later end.
	ext := s.Admin().Do(`mutation($id: ID!, $d: Date!) { extendSubstitution(id: $id, dateTo: $d) { dateTo } }`,
		map[string]any{"id": ongoing.ID, "d": warsawDay(s, 0)})
	if e := ext.MustFail(t, "BAD_USER_INPUT"); e.Extensions["field"] != "dateTo" {
		t.Errorf("extend to the same end: %v", e.Extensions)
	}
	var extended struct{ ExtendSubstitution struct{ DateTo string } }
	admin.Do(`mutation($id: ID!, $d: Date!) { extendSubstitution(id: $id, dateTo: $d) { dateTo } }`,
		map[string]any{"id": ongoing.ID, "d": warsawDay(s, 7)}).MustOK(t).Decode(t, &extended)
	if extended.ExtendSubstitution.DateTo != warsawDay(s, 7) {
		t.Errorf("extended to %s", extended.ExtendSubstitution.DateTo)
	}
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'substitution.update' AND entity_id = ?`, ongoing.ID); n != 3 {
		t.Errorf("%d update records, want 3 (dateTo, active, extension)", n)
	}

	// A substitution that has ended can still be deactivated, and one whose user has since been
	// deactivated too.
	s.Clock.Advance(10 * 24 * time.Hour)
	admin = s.Admin()
	setUserStatus(t, admin, celina, "DEACTIVATED")
	if ended := mustSubstitution(t, updateSubstitution(admin, changed.ID, map[string]any{"active": false})); ended.Active {
		t.Errorf("an ended substitution of a deactivated user stays active: %+v", ended)
	}
	updateSubstitution(admin, changed.ID, map[string]any{"active": true}).MustFail(t, "BAD_USER_INPUT") // Celina is deactivated
}

// TestSubstitutionScopes: _OWN manages the caller's own substitutions, _SUBORDINATES those of the
// users below the caller at any depth, _ALL (and ADMIN) everyone's; the list shows exactly those.
func TestSubstitutionScopes(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	boss := createUser(t, admin, "boss@casegate.test", "Boss")
	mid := createUser(t, admin, "mid@casegate.test", "Mid")
	emp := createUser(t, admin, "emp@casegate.test", "Emp")
	other := createUser(t, admin, "other@casegate.test", "Other")
	helper := createUser(t, admin, "helper@casegate.test", "Helper")
	updateUser(t, admin, mid, map[string]any{"managerId": boss})
	updateUser(t, admin, emp, map[string]any{"managerId": mid})
	grantPermission(t, admin, boss, "MANAGE_SUBSTITUTIONS_SUBORDINATES")
	grantPermission(t, admin, emp, "MANAGE_SUBSTITUTIONS_OWN")
	grantPermission(t, admin, other, "MANAGE_SUBSTITUTIONS_ALL")

	forUser := map[string]string{}
	for _, u := range []string{boss, mid, emp, other} {
		forUser[u] = mustSubstitution(t, createSubstitution(admin, map[string]any{"substitutedId": u, "substituteId": helper})).ID
	}
	type who struct {
		name   string
		c      *gqltest.Client
		may    []string // substituted users whose substitutions the caller manages
		listed bool     // false: the list is FORBIDDEN
		self   string   // the caller's own substitution is readable (a party), so FORBIDDEN, not NOT_FOUND
	}
	login := func(email string) *gqltest.Client { return s.Login(email, "user-password-1") }
	callers := []who{
		{"subordinates reaches depth 1 and 2, not self", login("boss@casegate.test"), []string{mid, emp}, true, boss},
		{"own", login("emp@casegate.test"), []string{emp}, true, emp},
		{"all", login("other@casegate.test"), []string{boss, mid, emp, other}, true, other},
		{"admin", admin, []string{boss, mid, emp, other}, true, ""},
		{"none", login("mid@casegate.test"), nil, false, mid},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			for _, u := range []string{boss, mid, emp, other} {
				may := slices.Contains(c.may, u)
				r := updateSubstitution(c.c, forUser[u], map[string]any{"dateTo": warsawDay(s, 1)})
				switch {
				case may:
					r.MustOK(t)
				case u == c.self:
					r.MustFail(t, "FORBIDDEN")
				default:
					r.MustFail(t, "NOT_FOUND")
				}
				cr := createSubstitution(c.c, map[string]any{"substitutedId": u, "substituteId": helper, "dateFrom": warsawDay(s, 2), "dateTo": warsawDay(s, 2)})
				if may {
					cr.MustOK(t)
				} else {
					cr.MustFail(t, "FORBIDDEN")
				}
			}
			r := c.c.Do(`{ substitutions(first: 200) { edges { node { substituted { id } } } } }`, nil)
			if !c.listed {
				r.MustFail(t, "FORBIDDEN")
				return
			}
			var out struct {
				Substitutions struct {
					Edges []struct {
						Node struct{ Substituted struct{ ID string } }
					}
				}
			}
			r.MustOK(t).Decode(t, &out)
			seen := map[string]int{}
			for _, e := range out.Substitutions.Edges {
				seen[e.Node.Substituted.ID]++
			}
			for _, u := range []string{boss, mid, emp, other} {
				if want := slices.Contains(c.may, u); (seen[u] > 0) != want {
					t.Errorf("list shows %d of %s's substitutions, want them: %v", seen[u], u, want)
				}
			}
		})
	}
}
