package access

import "github.com/casegate/casegate/internal/apperr"

// Rules of the preview decisions.
const (
	// RulePreviewReadOnly refuses any write to a preview principal.
	RulePreviewReadOnly = "PREVIEW_READ_ONLY"
	// RulePreviewNotEmployee refuses the preview of anyone but an employee: a guest or a
	// temporary-access person is seen through their own link.
	RulePreviewNotEmployee = "PREVIEW_NOT_EMPLOYEE"
	// RulePreviewInactive refuses the preview of a user who cannot log in (deactivated, blocked,
	// profile expired): there is no principal to show.
	RulePreviewInactive = "PREVIEW_INACTIVE"
	// RulePreviewAdmin refuses the preview of an administrator to anyone who is not one.
	RulePreviewAdmin = "PREVIEW_ADMIN"
	// RulePreviewNested refuses previewing from within a preview.
	RulePreviewNested = "PREVIEW_NESTED"
)

// PreviewTarget is what decides whether a user may be previewed: the kind of principal the user
// logs in as (INTERNAL for an employee, EXTERNAL for a guest account, SYSTEM for the built-in
// user), whether they may log in now, and whether they are an administrator.
type PreviewTarget struct {
	UserID string
	Kind   Kind
	Active bool
	Admin  bool
}

// MayPreview decides whether p may preview anyone at all: an employee working as themselves (not
// substituting, not already previewing) who holds ADMIN or PREVIEW_AS. It is decided before the
// target is looked up, so that a caller who may not preview learns nothing about user ids.
func MayPreview(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	switch {
	case p.Kind != KindInternal:
		return Decision{Rule: RuleInternal}
	case p.Previewed():
		return Decision{Rule: RulePreviewNested}
	case p.Substituting():
		// A substitute works with rights lent for the substituted user's work, not to look
		// through anyone else's eyes.
		return Decision{Rule: RuleWhileSubstituting}
	case p.HasPermission(PermAdmin):
		return Decision{Allowed: true, Rule: RuleAdmin}
	case p.HasPermission(PermPreviewAs):
		return Decision{Allowed: true, Rule: RulePermission + ":" + string(PermPreviewAs)}
	}
	return Decision{Rule: RuleNotPermitted}
}

// Preview decides whether viewer may run read-only requests as the user t: MayPreview, and t is an
// employee who may log in now; an administrator only to another administrator. Guests and
// temporary-access people are never previewed this way: they are seen through their own links.
func Preview(viewer *Principal, t PreviewTarget) Decision {
	d := MayPreview(viewer)
	switch {
	case !d.Allowed:
		return d
	case t.Kind != KindInternal:
		return Decision{Rule: RulePreviewNotEmployee}
	case !t.Active:
		return Decision{Rule: RulePreviewInactive}
	case t.Admin && !viewer.HasPermission(PermAdmin):
		return Decision{Rule: RulePreviewAdmin}
	}
	return d
}

// PreviewErr is a refused preview decision as the error a client sees, saying why in words.
func PreviewErr(d Decision) error {
	if d.Allowed || d.Rule == RuleUnauthenticated {
		return d.Err()
	}
	why := map[string]string{
		RuleInternal:           "only employees may preview as another user",
		RulePreviewNested:      "a preview cannot start another preview",
		RuleWhileSubstituting:  "no previews while substituting: end the substitution first",
		RuleNotPermitted:       "previewing as another user needs ADMIN or PREVIEW_AS",
		RulePreviewNotEmployee: "only employees can be previewed: a guest or a temporary-access person is seen through their own link",
		RulePreviewInactive:    "the user cannot log in (deactivated, blocked or profile expired), so there is nothing to preview",
		RulePreviewAdmin:       "only an administrator may preview an administrator",
		RulePreviewReadOnly:    "previews are read-only: a request previewing as another user runs queries only",
	}[d.Rule]
	if why == "" {
		return d.Err()
	}
	return apperr.Forbidden(d.Rule + ": " + why)
}

// Previewed reports whether p is a preview principal (someone else looking through p's eyes).
func (p *Principal) Previewed() bool { return p != nil && p.PreviewBy != "" }

// MayWrite decides whether p may change anything at all: everyone may, as far as their other
// rights go, but a preview principal, which is read-only whatever the user it shows may do.
// Every write appends its audit record (audit.Append), which asks this first.
func MayWrite(p *Principal) Decision {
	if p.Previewed() {
		return Decision{Rule: RulePreviewReadOnly}
	}
	return Decision{Allowed: true, Rule: RuleWrite}
}

// RuleWrite names the decision that lets a principal that is not a preview write.
const RuleWrite = "WRITE"
