package access

// RuleGuestMove names the denial of a stage move to a guest.
const RuleGuestMove = "GUEST_MOVE"

// MoveCases decides whether p may move cases between stages at all; its right on the case and, for
// a temporary session, its grant's moves (MayMoveTo) decide the rest. A guest may not: it fills in
// its request while it holds the first task, and the organisation moves the case on, checks what
// the guest sent and chooses who handles it next (a guest choosing assignees would open the case
// to whomever it named, and moving it on would skip the organisation's required fields). A preview
// moves nothing (MayWrite).
func MoveCases(p *Principal) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	if d := MayWrite(p); !d.Allowed {
		return d
	}
	if p.Kind == KindExternal {
		return Decision{Rule: RuleGuestMove}
	}
	return Decision{Allowed: true, Rule: string(p.Kind)}
}
