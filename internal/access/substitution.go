package access

import (
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Rules of the substitution decisions.
const (
	RuleSubstitutionOwn          = "MANAGE_SUBSTITUTIONS_OWN"
	RuleSubstitutionSubordinates = "MANAGE_SUBSTITUTIONS_SUBORDINATES"
	RuleSubstitutionAll          = "MANAGE_SUBSTITUTIONS_ALL"
	RuleSubstitutionInactive     = "SUBSTITUTION_INACTIVE"
	RuleSubstitutionNotStarted   = "SUBSTITUTION_NOT_STARTED"
	RuleSubstitutionEnded        = "SUBSTITUTION_ENDED"
	RuleSubstitutedUnavailable   = "SUBSTITUTED_USER_UNAVAILABLE"
	RuleSubstituteUnavailable    = "SUBSTITUTE_UNAVAILABLE"
	RuleSubstitutionInForce      = "SUBSTITUTION_IN_FORCE"
	RuleNotTheSubstitute         = "NOT_THE_SUBSTITUTE"
	// RuleWhileSubstituting refuses what would let a substitute widen their own access through the
	// user they work as: managing substitutions, or granting themselves (their native user) a right.
	RuleWhileSubstituting = "WHILE_SUBSTITUTING"
)

// ManageSubstitution decides whether p may see and change the substitutions of the user
// substitutedID, whose managers (nearest first, to the top of the chain) are managers. The scope
// follows the effective user's permissions: MANAGE_SUBSTITUTIONS_ALL (or ADMIN) reaches everyone,
// _SUBORDINATES the users below p in the manager chain at any depth (not p itself), _OWN p itself.
//
// Nobody manages substitutions while working as someone else: the substitute would otherwise
// extend their own substitution, or give themselves a new one, with the rights it lends them.
func ManageSubstitution(p *Principal, substitutedID string, managers []string) Decision {
	if p.Substituting() {
		return Decision{Rule: RuleWhileSubstituting}
	}
	if d := Administer(p); d.Allowed {
		return d
	}
	if d := Internal(p); !d.Allowed {
		return d
	}
	switch {
	case p.HasPermission(PermManageSubstitutionsAll):
		return Decision{Allowed: true, Rule: RuleSubstitutionAll}
	case p.HasPermission(PermManageSubstitutionsSubordinates) && slices.Contains(managers, p.UserID) && substitutedID != p.UserID:
		return Decision{Allowed: true, Rule: RuleSubstitutionSubordinates}
	case p.HasPermission(PermManageSubstitutionsOwn) && substitutedID == p.UserID:
		return Decision{Allowed: true, Rule: RuleSubstitutionOwn}
	}
	return Decision{Rule: RuleNotPermitted}
}

// MayManageSubstitutions reports whether p holds any of the permissions that manage substitutions.
func MayManageSubstitutions(p *Principal) Decision {
	if p.Substituting() {
		return Decision{Rule: RuleWhileSubstituting}
	}
	return Permitted(p, PermManageSubstitutionsOwn, PermManageSubstitutionsSubordinates, PermManageSubstitutionsAll)
}

// GrantTo decides an administrative grant to the user userID (a permission, a group, a position
// right, a client or procedure grant): Administer, except that a substitute working as an
// administrator cannot grant anything to themselves (their native user), and a preview grants
// nothing (MayWrite).
func GrantTo(p *Principal, userID string) Decision {
	if d := MayWrite(p); !d.Allowed {
		return d
	}
	if p.Substituting() && userID == p.NativeUserID {
		return Decision{Rule: RuleWhileSubstituting}
	}
	return Administer(p)
}

// ManageableSubstitutions is ManageSubstitution as SQL: a bun query modifier restricting a query on
// substitutions (alias sb) to those p may manage. TestManageableSubstitutionsAgree in
// internal/substitution checks the two against each other on a real database.
func ManageableSubstitutions(p *Principal) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		if d := MayManageSubstitutions(p); !d.Allowed {
			return q.Where("false")
		}
		if p.Kind == KindSystem || p.HasPermission(PermAdmin) || p.HasPermission(PermManageSubstitutionsAll) {
			return q
		}
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if p.HasPermission(PermManageSubstitutionsOwn) {
				q = q.WhereOr("sb.substituted_id = ?", p.UserID)
			}
			if p.HasPermission(PermManageSubstitutionsSubordinates) {
				q = q.WhereOr(`sb.substituted_id IN (WITH RECURSIVE below(id) AS (
					SELECT u.id FROM users u WHERE u.manager_id = ?0
					UNION SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id)
					SELECT id FROM below WHERE id <> ?0)`, p.UserID)
			}
			return q
		})
	}
}

// SubstitutionFacts are what decides whether a substitution is in force: its own state and the two
// users'. Dates are calendar days (their clock part is ignored).
type SubstitutionFacts struct {
	Active   bool
	DateFrom time.Time
	DateTo   time.Time
	// SubstitutedActive: the substituted user is ACTIVE (not deactivated or blocked, not the system).
	SubstitutedActive bool
	// SubstitutedProfileExpiresOn is the substituted user's last valid day, if any.
	SubstitutedProfileExpiresOn *time.Time
	// SubstituteActive: the substitute is ACTIVE.
	SubstituteActive bool
}

// Period is when a substitution is in force: from the start of DateFrom to the end of DateTo in loc
// (the end is exclusive: the first instant of the day after DateTo).
func (f SubstitutionFacts) Period(loc *time.Location) (start, end time.Time) {
	return DayStart(f.DateFrom, loc), DayEnd(f.DateTo, loc)
}

// DayStart is the first instant of d's calendar day in loc, the instant PostgreSQL's
// (t AT TIME ZONE zone)::date turns to that day. Where the clocks skip midnight (America/Santiago
// in September) the day begins when they jump, at 01:00; time.Date would answer the instant an
// hour earlier, still the day before.
func DayStart(d time.Time, loc *time.Location) time.Time {
	t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	if y, m, day := t.Date(); y != d.Year() || m != d.Month() || day != d.Day() {
		_, t = t.ZoneBounds() // the jump: the first instant of the zone in force on d
	}
	return t
}

// DayEnd is the first instant after d's calendar day in loc: the start of the next day.
func DayEnd(d time.Time, loc *time.Location) time.Time {
	return DayStart(time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, time.UTC), loc)
}

// SubstitutionInForce decides whether a substitution lets its substitute work as the substituted
// user at now: active, inside its period in the server's time zone loc, both users ACTIVE, and the
// substituted user's profile not expired unless expiredProfiles (the setting
// substitutionForExpiredProfiles) allows it. It is checked on every request, so deactivating the
// substitution or either user, or the end of the period, ends substitution mode at once.
func SubstitutionInForce(f SubstitutionFacts, now time.Time, loc *time.Location, expiredProfiles bool) Decision {
	start, end := f.Period(loc)
	switch {
	case !f.Active:
		return Decision{Rule: RuleSubstitutionInactive}
	case now.Before(start):
		return Decision{Rule: RuleSubstitutionNotStarted}
	case !now.Before(end):
		return Decision{Rule: RuleSubstitutionEnded}
	case !f.SubstituteActive:
		return Decision{Rule: RuleSubstituteUnavailable}
	case !f.SubstitutedActive:
		return Decision{Rule: RuleSubstitutedUnavailable}
	case !expiredProfiles && f.SubstitutedProfileExpiresOn != nil && !now.Before(DayEnd(*f.SubstitutedProfileExpiresOn, loc)):
		return Decision{Rule: RuleSubstitutedUnavailable}
	}
	return Decision{Allowed: true, Rule: RuleSubstitutionInForce}
}

// StartSubstitution decides whether p may start working in a substitution: an employee's session
// whose native user is its substitute, while the substitution is in force (inForce). A substitute
// who is already working as someone else may switch to it; nobody works as B through B's own
// substitutions (there is no chaining: the check is on the native user).
func StartSubstitution(p *Principal, substituteID string, inForce Decision) Decision {
	if d := Authenticated(p); !d.Allowed {
		return d
	}
	if p.Kind != KindInternal || p.SessionID == "" {
		return Decision{Rule: RuleInternal}
	}
	if p.NativeUserID != substituteID {
		return Decision{Rule: RuleNotTheSubstitute}
	}
	return inForce
}

// SubstitutionInForceSQL is SubstitutionInForce as a SQL condition on the substitutions row aliased
// sb, joined with its substituted user (alias su) and substitute (alias ss). at and zone are SQL
// expressions for the time and the server's time zone, expiredProfiles one for the setting.
// TestSubstitutionInForceAgrees in internal/substitution checks it against SubstitutionInForce.
func SubstitutionInForceSQL(at, zone, expiredProfiles string) string {
	day := fmt.Sprintf("(%s AT TIME ZONE %s)::date", at, zone)
	return fmt.Sprintf(`(sb.active AND %[1]s BETWEEN sb.date_from AND sb.date_to
	AND ss.status = 'ACTIVE' AND NOT ss.is_system AND su.status = 'ACTIVE' AND NOT su.is_system
	AND (%[2]s OR su.profile_expires_on IS NULL OR su.profile_expires_on >= %[1]s))`, day, expiredProfiles)
}

// ReadSubstitution decides whether p may see a substitution: whoever may manage it, and the two
// users in it (the substitute as the person logged in, so that it can start it while working as
// someone else).
func ReadSubstitution(p *Principal, substitutedID, substituteID string, managers []string) Decision {
	if d := ManageSubstitution(p, substitutedID, managers); d.Allowed {
		return d
	}
	if d := Internal(p); !d.Allowed {
		return d
	}
	if p.NativeUserID == substituteID || p.UserID == substituteID || p.UserID == substitutedID {
		return Decision{Allowed: true, Rule: "SUBSTITUTION_PARTY"}
	}
	return Decision{Rule: RuleNotPermitted}
}
