package access

import (
	"time"

	"github.com/casegate/casegate/internal/apperr"
)

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
	// RulePreviewQuery lets a preview run a query.
	RulePreviewQuery = "PREVIEW_QUERY"
	// RulePreviewEnd lets a preview session run the mutations that end it (endPreview, logout),
	// as the one previewing: the one write a preview session makes.
	RulePreviewEnd = "PREVIEW_END"
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
	case p.Previewed(), p.InPreviewSession():
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
		RulePreviewReadOnly:    "previews are read-only: a request previewing as another user runs queries only (and, in a preview session, endPreview or logout, which end it)",
	}[d.Rule]
	if why == "" {
		return d.Err()
	}
	return apperr.Forbidden(d.Rule + ": " + why)
}

// Previewed reports whether p is a preview principal (someone else looking through p's eyes).
func (p *Principal) Previewed() bool { return p != nil && p.PreviewBy != "" }

// InPreviewSession reports whether p is the principal of a preview session's token, not yet
// swapped for the user it shows (PreviewOf).
func (p *Principal) InPreviewSession() bool { return p != nil && p.PreviewOf != "" }

// Previewer is the one previewing in a preview session, as themselves: whom every request of the
// session decides again (Preview), and who writes the session's end. p itself is left as it is.
func (p *Principal) Previewer() *Principal {
	self := *p
	self.PreviewOf = ""
	return &self
}

// MayWrite decides whether p may change anything at all: everyone may, as far as their other
// rights go, but a preview principal, which is read-only whatever the user it shows may do, and
// the principal of a preview session's token, which no write should ever see unswapped (the
// session's end is written as its Previewer).
// Every write appends its audit record (audit.Append), which asks this first.
func MayWrite(p *Principal) Decision {
	if p.Previewed() || p.InPreviewSession() {
		return Decision{Rule: RulePreviewReadOnly}
	}
	return Decision{Allowed: true, Rule: RuleWrite}
}

// RuleWrite names the decision that lets a principal that is not a preview write.
const RuleWrite = "WRITE"

// PreviewRuns decides which operations a preview runs: the header's (session false) or a preview
// session's. Queries run as the user previewed. A mutation naming startPreview is a preview from
// within a preview. In a preview session a mutation whose root fields all end the session
// (endPreview, logout; __typename aside) runs as the one previewing (RulePreviewEnd), so that a
// preview can always be ended, whatever has become of either user. Everything else is read-only.
func PreviewRuns(query bool, rootFields []string, session bool) Decision {
	if query {
		return Decision{Allowed: true, Rule: RulePreviewQuery}
	}
	ends := false
	for _, f := range rootFields {
		switch f {
		case "startPreview":
			return Decision{Rule: RulePreviewNested}
		case "endPreview", "logout":
			ends = true
		case "__typename":
		default:
			return Decision{Rule: RulePreviewReadOnly}
		}
	}
	if !session || !ends {
		return Decision{Rule: RulePreviewReadOnly}
	}
	return Decision{Allowed: true, Rule: RulePreviewEnd}
}

// PreviewSessionLife is the longest a preview session lasts.
const PreviewSessionLife = time.Hour

// PreviewSessionExpiry is when a preview session that viewer starts at now ends: after
// PreviewSessionLife, or with the viewer's own session when that ends sooner (a preview never
// outlives the session that started it).
func PreviewSessionExpiry(viewer *Principal, now time.Time) time.Time {
	end := now.Add(PreviewSessionLife)
	if !viewer.SessionExpiresAt.IsZero() && viewer.SessionExpiresAt.Before(end) {
		return viewer.SessionExpiresAt
	}
	return end
}
