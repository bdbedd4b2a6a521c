package access

import "github.com/casegate/casegate/internal/apperr"

// Decision is the outcome of an access check and the rule that produced it, so that callers and
// explanations can say why.
type Decision struct {
	Allowed bool
	Rule    string
}

// Err turns a denial into the domain error a client sees; nil when allowed.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	if d.Rule == RuleUnauthenticated {
		return apperr.ErrUnauthenticated
	}
	return apperr.Forbidden(d.Rule)
}

// Rule names used by the administrative decisions.
const (
	RuleUnauthenticated = "UNAUTHENTICATED"
	RuleAdmin           = "ADMIN"
	RulePermission      = "PERMISSION"
	RuleInternal        = "INTERNAL"
	RuleNotPermitted    = "NOT_PERMITTED"
)

// Authenticated allows any principal.
func Authenticated(p *Principal) Decision {
	if p == nil {
		return Decision{Rule: RuleUnauthenticated}
	}
	return Decision{Allowed: true, Rule: string(p.Kind)}
}

// Internal allows employees (and the system user): directory reads such as users and groups are
// not for guests or temporary sessions.
func Internal(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	if p.Kind == KindInternal || p.Kind == KindSystem {
		return Decision{Allowed: true, Rule: RuleInternal}
	}
	return Decision{Rule: RuleInternal}
}

// Administer allows what only an administrator may do: users, groups, structure, settings.
// The system user administers because bootstrap runs as it.
func Administer(p *Principal) Decision {
	if d := Internal(p); !d.Allowed {
		return d
	}
	if p.Kind == KindSystem || p.HasPermission(PermAdmin) {
		return Decision{Allowed: true, Rule: RuleAdmin}
	}
	return Decision{Rule: RuleAdmin}
}

// Permitted allows an administrator, or an internal principal holding any of perms.
func Permitted(p *Principal, perms ...Permission) Decision {
	if d := Administer(p); d.Allowed {
		return d
	}
	if d := Internal(p); !d.Allowed {
		return d
	}
	for _, perm := range perms {
		if p.HasPermission(perm) {
			return Decision{Allowed: true, Rule: RulePermission + ":" + string(perm)}
		}
	}
	return Decision{Rule: RuleNotPermitted}
}

// ViewAudit allows reading the audit log: VIEW_AUDIT or ADMIN.
func ViewAudit(p *Principal) Decision { return Permitted(p, PermViewAudit) }

// GrantGuestAccess allows giving a contact a guest account or taking it away, and changing the
// contact data its login is made of: ADMIN or GRANT_GUEST_ACCESS.
func GrantGuestAccess(p *Principal) Decision { return Permitted(p, PermGrantGuestAccess) }

// SeeGuestAccount reports whether p may learn whether a contact has a guest account: employees
// may, and a guest about its own contact.
func SeeGuestAccount(p *Principal, contactID string) bool {
	if Internal(p).Allowed {
		return true
	}
	return p != nil && p.Kind == KindExternal && p.ContactID != "" && p.ContactID == contactID
}
