package access

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/casegate/casegate/internal/apperr"
)

func TestPreview(t *testing.T) {
	employee := func(id string, perms ...Permission) *Principal {
		return &Principal{Kind: KindInternal, UserID: id, NativeUserID: id, Permissions: perms}
	}
	var (
		admin      = employee("a", PermAdmin)
		previewer  = employee("p", PermPreviewAs)
		clerk      = employee("c", PermViewAudit, PermGrantGuestAccess)
		substitute = &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "s", SubstitutionID: "sb", Permissions: []Permission{PermAdmin}}
		previewed  = &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}, PreviewBy: "x"}
		guest      = &Principal{Kind: KindExternal, UserID: "g", ContactID: "ct", Permissions: []Permission{PermAdmin}}
		temporary  = &Principal{Kind: KindTemporary, GrantID: "gr"}
		session    = &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}, PreviewOf: "e"}

		employeeT = PreviewTarget{UserID: "e", Kind: KindInternal, Active: true}
		adminT    = PreviewTarget{UserID: "a2", Kind: KindInternal, Active: true, Admin: true}
		guestT    = PreviewTarget{UserID: "g", Kind: KindExternal, Active: true}
		tempT     = PreviewTarget{Kind: KindTemporary, Active: true}
		systemT   = PreviewTarget{UserID: SystemUserID, Kind: KindSystem, Active: true, Admin: true}
		inactiveT = PreviewTarget{UserID: "d", Kind: KindInternal}
	)
	for _, tc := range []struct {
		name   string
		viewer *Principal
		target PreviewTarget
		rule   string // the refusal's rule, "" when allowed
	}{
		{"admin previews an employee", admin, employeeT, ""},
		{"admin previews an administrator", admin, adminT, ""},
		{"PREVIEW_AS previews an employee", previewer, employeeT, ""},
		{"PREVIEW_AS may not preview an administrator", previewer, adminT, RulePreviewAdmin},
		{"other permissions do not preview", clerk, employeeT, RuleNotPermitted},
		{"a guest account is seen through its own link", admin, guestT, RulePreviewNotEmployee},
		{"a temporary-access person is seen through their own link", admin, tempT, RulePreviewNotEmployee},
		{"the system user is not previewed", admin, systemT, RulePreviewNotEmployee},
		{"a deactivated or expired user is not previewed", admin, inactiveT, RulePreviewInactive},
		{"PREVIEW_AS and a deactivated user", previewer, inactiveT, RulePreviewInactive},
		{"anonymous", nil, employeeT, RuleUnauthenticated},
		{"a guest may not preview, whatever its permissions", guest, employeeT, RuleInternal},
		{"a temporary session may not preview", temporary, employeeT, RuleInternal},
		{"the system user does not preview", System(), employeeT, RuleInternal},
		{"no previews while substituting an administrator", substitute, employeeT, RuleWhileSubstituting},
		{"no preview from within a preview", previewed, employeeT, RulePreviewNested},
		{"no preview from a preview session's token", session, employeeT, RulePreviewNested},
		{"a preview session's previewer, as themselves, previews", session.Previewer(), employeeT, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Preview(tc.viewer, tc.target)
			if tc.rule == "" {
				if !d.Allowed || d.Rule == "" {
					t.Fatalf("refused (%s), want allowed with a rule", d.Rule)
				}
				if err := PreviewErr(d); err != nil {
					t.Fatalf("PreviewErr of an allowed decision = %v", err)
				}
				return
			}
			if d.Allowed || d.Rule != tc.rule {
				t.Fatalf("Preview = %+v, want refused by %s", d, tc.rule)
			}
			err := PreviewErr(d)
			want := apperr.ErrForbidden
			if tc.rule == RuleUnauthenticated {
				want = apperr.ErrUnauthenticated
			}
			if !errors.Is(err, want) {
				t.Fatalf("PreviewErr = %v, want %v", err, want)
			}
			if want == apperr.ErrForbidden && !strings.Contains(err.Error(), tc.rule+": ") {
				t.Fatalf("PreviewErr %q does not explain the rule %s", err, tc.rule)
			}
			// MayPreview alone never allows what Preview's viewer checks refuse.
			if m := MayPreview(tc.viewer); m.Allowed == (tc.rule == RuleUnauthenticated || tc.rule == RuleInternal ||
				tc.rule == RuleNotPermitted || tc.rule == RuleWhileSubstituting || tc.rule == RulePreviewNested) {
				t.Fatalf("MayPreview = %+v, disagrees with the viewer's part of %s", m, tc.rule)
			}
		})
	}
}

func TestMayWrite(t *testing.T) {
	admin := &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}}
	if d := MayWrite(nil); !d.Allowed {
		t.Fatal("anonymous flows (password reset) audit their writes: MayWrite(nil) must allow")
	}
	if d := MayWrite(admin); !d.Allowed {
		t.Fatalf("MayWrite(admin) = %+v", d)
	}
	preview := *admin
	preview.PreviewBy = "x"
	d := MayWrite(&preview)
	if d.Allowed || d.Rule != RulePreviewReadOnly {
		t.Fatalf("MayWrite(preview) = %+v, want refused by %s", d, RulePreviewReadOnly)
	}
	// A preview session's token unswapped writes nothing either; its previewer as themselves may.
	session := *admin
	session.PreviewOf = "e"
	if d := MayWrite(&session); d.Allowed || d.Rule != RulePreviewReadOnly {
		t.Fatalf("MayWrite(preview session) = %+v, want refused by %s", d, RulePreviewReadOnly)
	}
	if self := session.Previewer(); !MayWrite(self).Allowed || self.PreviewOf != "" || session.PreviewOf != "e" {
		t.Fatalf("Previewer() = %+v (session now %+v): want the previewer as themselves, the session unchanged", self, session)
	}
	if err := PreviewErr(d); !errors.Is(err, apperr.ErrForbidden) || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("PreviewErr(read-only) = %v", err)
	}
}

// genPreviewPrincipal is any principal, previewed or not, with any permissions.
func genPreviewPrincipal(t *rapid.T) *Principal {
	p := genPrincipal(t)
	p.NativeUserID = p.UserID
	p.Permissions = rapid.SliceOfNDistinct(rapid.SampledFrom(AllPermissions), 0, 3, rapid.ID[Permission]).Draw(t, "perms")
	if rapid.Bool().Draw(t, "substituting") {
		p.NativeUserID, p.SubstitutionID = "native", "sb"
	}
	switch rapid.IntRange(0, 2).Draw(t, "preview") {
	case 1:
		p.PreviewBy = "viewer"
	case 2:
		p.PreviewOf = "shown" // a preview session's token, not yet swapped
	}
	return p
}

// Laws of previews: whoever the viewer and the target, a preview is allowed only to an employee
// working as themselves with ADMIN or PREVIEW_AS, of an employee who may log in, and of an
// administrator only to an administrator; and a preview principal is refused every write that
// access decides, whatever rights its user holds.
func TestPreviewLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		viewer := genPreviewPrincipal(t)
		target := PreviewTarget{
			UserID: rapid.SampledFrom(userPool).Draw(t, "target"),
			Kind:   rapid.SampledFrom([]Kind{KindInternal, KindInternal, KindExternal, KindTemporary, KindSystem}).Draw(t, "targetKind"),
			Active: rapid.Bool().Draw(t, "active"),
			Admin:  rapid.Bool().Draw(t, "targetAdmin"),
		}
		if d := Preview(viewer, target); d.Allowed {
			isAdmin := viewer.HasPermission(PermAdmin)
			switch {
			case viewer.Kind != KindInternal, viewer.Substituting(), viewer.Previewed(), viewer.InPreviewSession():
				t.Fatalf("%+v previews while not an employee working as themselves", viewer)
			case !isAdmin && !viewer.HasPermission(PermPreviewAs):
				t.Fatalf("%+v previews without ADMIN or PREVIEW_AS", viewer)
			case target.Kind != KindInternal || !target.Active:
				t.Fatalf("previewed %+v, not an active employee", target)
			case target.Admin && !isAdmin:
				t.Fatalf("%+v, not an administrator, previewed an administrator", viewer)
			}
		}

		// Read-only: whatever the principal may otherwise do, as a preview it writes nothing.
		p := genPreviewPrincipal(t)
		if !p.Previewed() && !p.InPreviewSession() {
			if !MayWrite(p).Allowed {
				t.Fatalf("MayWrite refused %+v, which is no preview", p)
			}
			return
		}
		if MayWrite(p).Allowed {
			t.Fatal("a preview may write")
		}
		if MoveCases(p).Allowed {
			t.Fatal("a preview may move cases")
		}
		if GrantTo(p, rapid.SampledFrom(userPool).Draw(t, "grantee")).Allowed {
			t.Fatal("a preview may grant")
		}
		if MayChangeAttachment(p, p.GrantID, p.UserID) {
			t.Fatal("a preview may change attachments")
		}
	})
}

func TestPreviewRuns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		query   bool
		fields  []string
		session bool
		rule    string
		allowed bool
	}{
		{"a query under the header", true, []string{"me", "cases"}, false, RulePreviewQuery, true},
		{"a query in a preview session", true, []string{"me"}, true, RulePreviewQuery, true},
		{"a write under the header", false, []string{"createGroup"}, false, RulePreviewReadOnly, false},
		{"a write in a preview session", false, []string{"createGroup"}, true, RulePreviewReadOnly, false},
		{"logout under the header is the previewer's session: refused", false, []string{"logout"}, false, RulePreviewReadOnly, false},
		{"endPreview under the header", false, []string{"endPreview"}, false, RulePreviewReadOnly, false},
		{"endPreview in a preview session", false, []string{"endPreview"}, true, RulePreviewEnd, true},
		{"logout in a preview session", false, []string{"logout", "__typename"}, true, RulePreviewEnd, true},
		{"the end with a write beside it", false, []string{"endPreview", "createGroup"}, true, RulePreviewReadOnly, false},
		{"a write before the end", false, []string{"createGroup", "logout"}, true, RulePreviewReadOnly, false},
		{"only __typename", false, []string{"__typename"}, true, RulePreviewReadOnly, false},
		{"no fields", false, nil, true, RulePreviewReadOnly, false},
		{"a preview started from a preview session", false, []string{"startPreview"}, true, RulePreviewNested, false},
		{"a preview started under the header", false, []string{"startPreview"}, false, RulePreviewNested, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := PreviewRuns(tc.query, tc.fields, tc.session)
			if d.Allowed != tc.allowed || d.Rule != tc.rule {
				t.Fatalf("PreviewRuns = %+v, want allowed %v by %s", d, tc.allowed, tc.rule)
			}
			if !d.Allowed && !errors.Is(PreviewErr(d), apperr.ErrForbidden) {
				t.Fatalf("PreviewErr(%s) = %v, want FORBIDDEN", d.Rule, PreviewErr(d))
			}
		})
	}
}

func TestPreviewSessionExpiry(t *testing.T) {
	now := time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		session time.Time
		want    time.Time
	}{
		{"the caller's session outlives the hour", now.Add(8 * time.Hour), now.Add(PreviewSessionLife)},
		{"the caller's session ends first", now.Add(10 * time.Minute), now.Add(10 * time.Minute)},
		{"exactly an hour", now.Add(PreviewSessionLife), now.Add(PreviewSessionLife)},
		{"no session known", time.Time{}, now.Add(PreviewSessionLife)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PreviewSessionExpiry(&Principal{SessionExpiresAt: tc.session}, now)
			if !got.Equal(tc.want) {
				t.Fatalf("PreviewSessionExpiry = %v, want %v", got, tc.want)
			}
		})
	}
}
