package access

// RuleOwnPreferences allows an employee to read and change their own preferences.
const RuleOwnPreferences = "OWN_PREFERENCES"

// OwnPreferences decides whether p may read and change its own preferences. They are the native
// user's, the person really logged in: while substituting, an employee changes their own
// preferences, never the substituted user's (whose mail is theirs to decide). Guests, temporary
// sessions and the system user have none.
func OwnPreferences(p *Principal) Decision {
	if d := Internal(p); !d.Allowed {
		return d
	}
	if p.Kind != KindInternal || p.NativeUserID == "" || p.NativeUserID == SystemUserID {
		return Decision{Rule: RuleInternal}
	}
	return Decision{Allowed: true, Rule: RuleOwnPreferences}
}
