package access

import (
	"errors"
	"testing"

	"github.com/casegate/casegate/internal/apperr"
)

func TestAdministrativeDecisions(t *testing.T) {
	var (
		anonymous *Principal
		villain   = &Principal{Kind: KindInternal, UserID: "v", NativeUserID: "v"}
		admin     = &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}}
		auditor   = &Principal{Kind: KindInternal, UserID: "u", NativeUserID: "u", Permissions: []Permission{PermViewAudit}}
		guest     = &Principal{Kind: KindExternal, ContactID: "c", Permissions: []Permission{PermAdmin}} // a guest's permissions never count
		temporary = &Principal{Kind: KindTemporary, GrantID: "g"}
		system    = System()
	)
	type want struct{ authenticated, internal, administer, viewAudit error }
	deny := apperr.ErrForbidden
	unauth := apperr.ErrUnauthenticated
	for _, tc := range []struct {
		name string
		p    *Principal
		want want
	}{
		// Anonymous: everything is UNAUTHENTICATED, never FORBIDDEN.
		{"anonymous", anonymous, want{unauth, unauth, unauth, unauth}},
		// The villain is logged in and nothing more: no permission gives it any administrative right.
		{"villain", villain, want{nil, nil, deny, deny}},
		{"admin", admin, want{nil, nil, nil, nil}},
		// VIEW_AUDIT opens the audit log only.
		{"auditor", auditor, want{nil, nil, deny, nil}},
		// Guests and temporary sessions are not employees: no directory, no administration.
		{"guest", guest, want{nil, deny, deny, deny}},
		{"temporary", temporary, want{nil, deny, deny, deny}},
		{"system", system, want{nil, nil, nil, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what string
				got  Decision
				want error
			}{
				{"Authenticated", Authenticated(tc.p), tc.want.authenticated},
				{"Internal", Internal(tc.p), tc.want.internal},
				{"Administer", Administer(tc.p), tc.want.administer},
				{"ViewAudit", ViewAudit(tc.p), tc.want.viewAudit},
			} {
				err := c.got.Err()
				if (err == nil) != (c.want == nil) || c.want != nil && !errors.Is(err, c.want) {
					t.Errorf("%s = %v (rule %s), want %v", c.what, err, c.got.Rule, c.want)
				}
				if c.got.Allowed && c.got.Rule == "" {
					t.Errorf("%s allowed without naming a rule", c.what)
				}
			}
		})
	}
}

func TestPermittedNamesThePermission(t *testing.T) {
	p := &Principal{Kind: KindInternal, Permissions: []Permission{PermGrantGuestAccess}}
	if d := Permitted(p, PermViewAudit, PermGrantGuestAccess); !d.Allowed || d.Rule != "PERMISSION:GRANT_GUEST_ACCESS" {
		t.Fatalf("Permitted = %+v", d)
	}
	if d := Permitted(p, PermViewAudit); d.Allowed {
		t.Fatalf("Permitted without the permission = %+v", d)
	}
}

func TestPositionRightCovers(t *testing.T) {
	only := PositionRight{PositionID: "b", Path: "/a/b/"}
	tree := PositionRight{PositionID: "b", Path: "/a/b/", IncludeSubtree: true}
	for _, tc := range []struct {
		path       string
		only, tree bool
	}{
		{"/a/b/", true, true},
		{"/a/b/c/", false, true},  // below: only the subtree right reaches it
		{"/a/", false, false},     // above: never
		{"/a/bc/", false, false},  // a sibling whose id starts the same: never
		{"/x/a/b/", false, false}, // same ids elsewhere in the tree: never
	} {
		if got := only.Covers(tc.path); got != tc.only {
			t.Errorf("right to the node covers %s = %v", tc.path, got)
		}
		if got := tree.Covers(tc.path); got != tc.tree {
			t.Errorf("right to the subtree covers %s = %v", tc.path, got)
		}
	}
}

func TestSubstituting(t *testing.T) {
	if (&Principal{UserID: "a", NativeUserID: "a"}).Substituting() {
		t.Fatal("a principal working as itself is not substituting")
	}
	if !(&Principal{UserID: "b", NativeUserID: "a", SubstitutionID: "s"}).Substituting() {
		t.Fatal("a principal working as another user is substituting")
	}
}

func TestGrantGuestAccess(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *Principal
		want bool
	}{
		{"anonymous", nil, false},
		{"employee", &Principal{Kind: KindInternal}, false},
		{"with the permission", &Principal{Kind: KindInternal, Permissions: []Permission{PermGrantGuestAccess}}, true},
		{"administrator", &Principal{Kind: KindInternal, Permissions: []Permission{PermAdmin}}, true},
		{"system", System(), true},
		{"guest holding the permission", &Principal{Kind: KindExternal, ContactID: "c", Permissions: []Permission{PermGrantGuestAccess, PermAdmin}}, false},
		{"temporary", &Principal{Kind: KindTemporary}, false},
	} {
		if d := GrantGuestAccess(c.p); d.Allowed != c.want {
			t.Errorf("%s: GrantGuestAccess = %+v, want allowed %v", c.name, d, c.want)
		}
	}
}

func TestSeeGuestAccount(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *Principal
		want bool
	}{
		{"anonymous", nil, false},
		{"employee", &Principal{Kind: KindInternal}, true},
		{"the guest itself", &Principal{Kind: KindExternal, ContactID: "c"}, true},
		{"another guest", &Principal{Kind: KindExternal, ContactID: "d"}, false},
		{"temporary", &Principal{Kind: KindTemporary}, false},
	} {
		if got := SeeGuestAccount(c.p, "c"); got != c.want {
			t.Errorf("%s: SeeGuestAccount = %v, want %v", c.name, got, c.want)
		}
	}
}
