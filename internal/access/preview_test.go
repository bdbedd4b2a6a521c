package access

import (
	"errors"
	"strings"
	"testing"

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
	if rapid.Bool().Draw(t, "previewed") {
		p.PreviewBy = "viewer"
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
			case viewer.Kind != KindInternal, viewer.Substituting(), viewer.Previewed():
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
		if !p.Previewed() {
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
