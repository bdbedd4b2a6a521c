package access

import (
	"testing"
	"time"
)

func employee(id string, perms ...Permission) *Principal {
	return &Principal{Kind: KindInternal, UserID: id, NativeUserID: id, SessionID: "s-" + id, Permissions: perms}
}

func TestManageSubstitution(t *testing.T) {
	own := employee("me", PermManageSubstitutionsOwn)
	subs := employee("me", PermManageSubstitutionsSubordinates)
	all := employee("me", PermManageSubstitutionsAll)
	admin := employee("me", PermAdmin)
	none := employee("me", PermViewAudit, PermGrantGuestAccess)
	// Working in a substitution for "boss": the effective user's permissions and position decide,
	// never the native user's ("me" holds ALL natively; it does not count).
	substituting := &Principal{Kind: KindInternal, UserID: "boss", NativeUserID: "me", SubstitutionID: "sb",
		SessionID: "s-me", Permissions: []Permission{PermManageSubstitutionsSubordinates}}
	guest := &Principal{Kind: KindExternal, ContactID: "c", UserID: "me", Permissions: []Permission{PermManageSubstitutionsAll, PermAdmin}}
	temporary := &Principal{Kind: KindTemporary, GrantID: "g", Permissions: []Permission{PermManageSubstitutionsAll}}
	for _, tc := range []struct {
		name        string
		p           *Principal
		substituted string
		managers    []string
		allowed     bool
		rule        string
	}{
		{"OWN: oneself", own, "me", []string{"boss"}, true, RuleSubstitutionOwn},
		{"OWN: a subordinate", own, "x", []string{"me"}, false, RuleNotPermitted},
		{"OWN: someone else", own, "x", []string{"boss"}, false, RuleNotPermitted},
		{"SUBORDINATES: depth 1", subs, "x", []string{"me", "boss"}, true, RuleSubstitutionSubordinates},
		{"SUBORDINATES: depth 3", subs, "x", []string{"m1", "m2", "me", "boss"}, true, RuleSubstitutionSubordinates},
		{"SUBORDINATES: not below", subs, "x", []string{"m1", "boss"}, false, RuleNotPermitted},
		{"SUBORDINATES: no manager", subs, "x", nil, false, RuleNotPermitted},
		{"SUBORDINATES: not oneself", subs, "me", []string{"boss"}, false, RuleNotPermitted},
		// Even if a (corrupt) chain loops through oneself.
		{"SUBORDINATES: not oneself in a loop", subs, "me", []string{"x", "me"}, false, RuleNotPermitted},
		{"OWN and SUBORDINATES: oneself", employee("me", PermManageSubstitutionsOwn, PermManageSubstitutionsSubordinates), "me", nil, true, RuleSubstitutionOwn},
		{"OWN and SUBORDINATES: a subordinate", employee("me", PermManageSubstitutionsOwn, PermManageSubstitutionsSubordinates), "x", []string{"me"}, true, RuleSubstitutionSubordinates},
		{"ALL: anyone", all, "x", nil, true, RuleSubstitutionAll},
		{"ALL: oneself", all, "me", nil, true, RuleSubstitutionAll},
		{"ADMIN", admin, "x", nil, true, RuleAdmin},
		{"SYSTEM", System(), "x", nil, true, RuleAdmin},
		{"none: oneself", none, "me", []string{"boss"}, false, RuleNotPermitted},
		{"none: a subordinate", none, "x", []string{"me"}, false, RuleNotPermitted},
		{"substituting: not even the effective user's subordinate", substituting, "x", []string{"boss"}, false, RuleWhileSubstituting},
		{"substituting: not the native user's subordinate", substituting, "x", []string{"me"}, false, RuleWhileSubstituting},
		{"substituting: not the effective user itself", substituting, "boss", nil, false, RuleWhileSubstituting},
		{"EXTERNAL", guest, "me", []string{"me"}, false, RuleInternal},
		{"TEMPORARY", temporary, "x", nil, false, RuleInternal},
		{"nil", nil, "x", nil, false, RuleUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ManageSubstitution(tc.p, tc.substituted, tc.managers)
			if d.Allowed != tc.allowed || d.Rule != tc.rule {
				t.Errorf("got %+v, want allowed=%v rule %s", d, tc.allowed, tc.rule)
			}
		})
	}
}

func TestSubstitutionInForce(t *testing.T) {
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	// 28 and 29 March 2026 in Warsaw: the clocks go forward on the 29th (CET, +01:00, to CEST,
	// +02:00), so the period starts at 23:00 UTC and ends at 22:00 UTC.
	spring := SubstitutionFacts{Active: true, DateFrom: day(2026, 3, 28), DateTo: day(2026, 3, 29), SubstitutedActive: true, SubstituteActive: true}
	// 24 to 25 October 2026: the clocks go back on the 25th (CEST to CET).
	autumn := SubstitutionFacts{Active: true, DateFrom: day(2026, 10, 24), DateTo: day(2026, 10, 25), SubstitutedActive: true, SubstituteActive: true}
	with := func(f SubstitutionFacts, change func(*SubstitutionFacts)) SubstitutionFacts { change(&f); return f }
	expiresOn := day(2026, 10, 24)
	expiring := with(autumn, func(f *SubstitutionFacts) { f.SubstitutedProfileExpiresOn = &expiresOn })
	for _, tc := range []struct {
		name    string
		f       SubstitutionFacts
		at      string
		expired bool
		rule    string
	}{
		{"spring: a second before", spring, "2026-03-27T22:59:59Z", false, RuleSubstitutionNotStarted},
		{"spring: the first second", spring, "2026-03-27T23:00:00Z", false, RuleSubstitutionInForce},
		{"spring: across the change", spring, "2026-03-29T01:30:00Z", false, RuleSubstitutionInForce},
		{"spring: the last second", spring, "2026-03-29T21:59:59Z", false, RuleSubstitutionInForce},
		{"spring: the first second after", spring, "2026-03-29T22:00:00Z", false, RuleSubstitutionEnded},
		{"autumn: a second before", autumn, "2026-10-23T21:59:59Z", false, RuleSubstitutionNotStarted},
		{"autumn: the first second", autumn, "2026-10-23T22:00:00Z", false, RuleSubstitutionInForce},
		{"autumn: the last second", autumn, "2026-10-25T22:59:59Z", false, RuleSubstitutionInForce},
		{"autumn: the first second after", autumn, "2026-10-25T23:00:00Z", false, RuleSubstitutionEnded},
		{"inactive, inside the period", with(autumn, func(f *SubstitutionFacts) { f.Active = false }), "2026-10-24T12:00:00Z", false, RuleSubstitutionInactive},
		{"substitute not active", with(autumn, func(f *SubstitutionFacts) { f.SubstituteActive = false }), "2026-10-24T12:00:00Z", false, RuleSubstituteUnavailable},
		{"substituted not active", with(autumn, func(f *SubstitutionFacts) { f.SubstitutedActive = false }), "2026-10-24T12:00:00Z", false, RuleSubstitutedUnavailable},
		{"substituted not active, setting on", with(autumn, func(f *SubstitutionFacts) { f.SubstitutedActive = false }), "2026-10-24T12:00:00Z", true, RuleSubstitutedUnavailable},
		{"profile: its last second", expiring, "2026-10-24T21:59:59Z", false, RuleSubstitutionInForce},
		{"profile expired", expiring, "2026-10-24T22:00:00Z", false, RuleSubstitutedUnavailable},
		{"profile expired, setting on", expiring, "2026-10-24T22:00:00Z", true, RuleSubstitutionInForce},
		{"profile expired, setting on, period ended", expiring, "2026-10-25T23:00:00Z", true, RuleSubstitutionEnded},
		{"profile expiring later", with(autumn, func(f *SubstitutionFacts) { d := day(2026, 10, 25); f.SubstitutedProfileExpiresOn = &d }), "2026-10-25T22:59:59Z", false, RuleSubstitutionInForce},
		{"one day, its last second", with(autumn, func(f *SubstitutionFacts) { f.DateTo = f.DateFrom }), "2026-10-24T21:59:59Z", false, RuleSubstitutionInForce},
		{"one day, the next", with(autumn, func(f *SubstitutionFacts) { f.DateTo = f.DateFrom }), "2026-10-24T22:00:00Z", false, RuleSubstitutionEnded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := SubstitutionInForce(tc.f, utc(tc.at), warsaw, tc.expired)
			if d.Rule != tc.rule || d.Allowed != (tc.rule == RuleSubstitutionInForce) {
				t.Errorf("got %+v, want %s", d, tc.rule)
			}
		})
	}
	// Dates are calendar days: their clock part and location are ignored.
	odd := with(autumn, func(f *SubstitutionFacts) {
		f.DateFrom = time.Date(2026, 10, 24, 23, 30, 0, 0, warsaw)
		f.DateTo = time.Date(2026, 10, 25, 0, 30, 0, 0, time.FixedZone("x", -11*3600))
	})
	if d := SubstitutionInForce(odd, utc("2026-10-25T22:59:59Z"), warsaw, false); !d.Allowed {
		t.Errorf("dates with a clock part: %+v at the last second", d)
	}
	if d := SubstitutionInForce(odd, utc("2026-10-23T22:00:00Z"), warsaw, false); !d.Allowed {
		t.Errorf("dates with a clock part: %+v at the first second", d)
	}
}

func TestStartSubstitution(t *testing.T) {
	inForce := Decision{Allowed: true, Rule: RuleSubstitutionInForce}
	ended := Decision{Rule: RuleSubstitutionEnded}
	a := employee("a")
	// A already working as C may switch to B's substitution: the native user is A.
	asC := &Principal{Kind: KindInternal, UserID: "c", NativeUserID: "a", SubstitutionID: "other", SessionID: "s-a"}
	// D working as A is not A: no chaining through the effective user.
	dAsA := &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "d", SubstitutionID: "other", SessionID: "s-d"}
	for _, tc := range []struct {
		name    string
		p       *Principal
		inForce Decision
		allowed bool
		rule    string
	}{
		{"the substitute, in force", a, inForce, true, RuleSubstitutionInForce},
		{"the substitute, not in force", a, ended, false, RuleSubstitutionEnded},
		{"the substitute, already substituting", asC, inForce, true, RuleSubstitutionInForce},
		{"someone else", employee("x", PermAdmin), inForce, false, RuleNotTheSubstitute},
		{"the substitute's substitute", dAsA, inForce, false, RuleNotTheSubstitute},
		{"no session", &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a"}, inForce, false, RuleInternal},
		{"SYSTEM", System(), inForce, false, RuleInternal},
		{"EXTERNAL", &Principal{Kind: KindExternal, UserID: "a", NativeUserID: "a", SessionID: "s"}, inForce, false, RuleInternal},
		{"TEMPORARY", &Principal{Kind: KindTemporary, NativeUserID: "a", SessionID: "s"}, inForce, false, RuleInternal},
		{"nil", nil, inForce, false, RuleUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := StartSubstitution(tc.p, "a", tc.inForce)
			if d.Allowed != tc.allowed || d.Rule != tc.rule {
				t.Errorf("got %+v, want allowed=%v rule %s", d, tc.allowed, tc.rule)
			}
		})
	}
}

func TestReadSubstitution(t *testing.T) {
	const substituted, substitute = "b", "a"
	managers := []string{"boss"}
	for _, tc := range []struct {
		name    string
		p       *Principal
		allowed bool
		rule    string
	}{
		{"manager of the substituted", employee("boss", PermManageSubstitutionsSubordinates), true, RuleSubstitutionSubordinates},
		{"ALL", employee("x", PermManageSubstitutionsAll), true, RuleSubstitutionAll},
		{"the substituted", employee(substituted), true, "SUBSTITUTION_PARTY"},
		{"the substitute", employee(substitute), true, "SUBSTITUTION_PARTY"},
		{"the substitute working as someone else", &Principal{Kind: KindInternal, UserID: "c", NativeUserID: substitute, SubstitutionID: "o", SessionID: "s"}, true, "SUBSTITUTION_PARTY"},
		{"working as the substituted", &Principal{Kind: KindInternal, UserID: substituted, NativeUserID: "c", SubstitutionID: "o", SessionID: "s"}, true, "SUBSTITUTION_PARTY"},
		{"someone else", employee("x", PermManageSubstitutionsOwn, PermManageSubstitutionsSubordinates), false, RuleNotPermitted},
		{"a manager of someone else", employee("other-boss", PermManageSubstitutionsSubordinates), false, RuleNotPermitted},
		{"EXTERNAL named as a party", &Principal{Kind: KindExternal, UserID: substitute, NativeUserID: substitute, ContactID: "c"}, false, RuleInternal},
		{"TEMPORARY", &Principal{Kind: KindTemporary, GrantID: "g"}, false, RuleInternal},
		{"nil", nil, false, RuleUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ReadSubstitution(tc.p, substituted, substitute, managers)
			if d.Allowed != tc.allowed || d.Rule != tc.rule {
				t.Errorf("got %+v, want allowed=%v rule %s", d, tc.allowed, tc.rule)
			}
		})
	}
}

// TestSubstitutionWhereMidnightIsSkipped: in America/Santiago the clocks jump from 00:00 to 01:00
// on 6 September 2026, so that day begins at 04:00 UTC (01:00 -03), and 5 September lasts until
// then — the instants at which PostgreSQL's (t AT TIME ZONE zone)::date changes day, which the
// principal query uses.
func TestSubstitutionWhereMidnightIsSkipped(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Fatal(err)
	}
	sixth, fifth := time.Date(2026, 9, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 5, 0, 0, 0, 0, time.UTC)
	jump := time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC)
	if got := DayStart(sixth, santiago); !got.Equal(jump) {
		t.Errorf("DayStart(6 September) = %s, want %s", got, jump)
	}
	if got := DayEnd(fifth, santiago); !got.Equal(jump) {
		t.Errorf("DayEnd(5 September) = %s, want %s", got, jump)
	}
	if got, want := DayEnd(sixth, santiago), time.Date(2026, 9, 7, 3, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("DayEnd(6 September) = %s, want %s", got, want)
	}
	starts := SubstitutionFacts{Active: true, DateFrom: sixth, DateTo: sixth.AddDate(0, 0, 3), SubstitutedActive: true, SubstituteActive: true}
	ends := SubstitutionFacts{Active: true, DateFrom: fifth.AddDate(0, 0, -3), DateTo: fifth, SubstitutedActive: true, SubstituteActive: true}
	expiresOn := fifth
	expiring := SubstitutionFacts{Active: true, DateFrom: fifth, DateTo: sixth, SubstitutedActive: true, SubstituteActive: true, SubstitutedProfileExpiresOn: &expiresOn}
	for _, tc := range []struct {
		name string
		f    SubstitutionFacts
		at   time.Time
		rule string
	}{
		{"starting on the 6th, before the jump", starts, jump.Add(-time.Second), RuleSubstitutionNotStarted},
		{"starting on the 6th, at the jump", starts, jump, RuleSubstitutionInForce},
		{"ending on the 5th, before the jump", ends, jump.Add(-time.Second), RuleSubstitutionInForce},
		{"ending on the 5th, at the jump", ends, jump, RuleSubstitutionEnded},
		{"profile expiring on the 5th, before the jump", expiring, jump.Add(-time.Second), RuleSubstitutionInForce},
		{"profile expiring on the 5th, at the jump", expiring, jump, RuleSubstitutedUnavailable},
	} {
		if d := SubstitutionInForce(tc.f, tc.at, santiago, false); d.Rule != tc.rule {
			t.Errorf("%s: %+v, want %s", tc.name, d, tc.rule)
		}
	}
}

func TestGrantTo(t *testing.T) {
	admin := &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}}
	asAdmin := &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "me", SubstitutionID: "s", Permissions: []Permission{PermAdmin}}
	plain := &Principal{Kind: KindInternal, UserID: "p", NativeUserID: "p"}
	for _, tc := range []struct {
		name   string
		p      *Principal
		target string
		ok     bool
		rule   string
	}{
		{"an administrator to anyone", admin, "x", true, RuleAdmin},
		{"an administrator to itself", admin, "a", true, RuleAdmin},
		{"working as an administrator, to another", asAdmin, "x", true, RuleAdmin},
		{"working as an administrator, to the administrator", asAdmin, "a", true, RuleAdmin},
		{"working as an administrator, to oneself", asAdmin, "me", false, RuleWhileSubstituting},
		{"not an administrator", plain, "x", false, RuleAdmin},
		{"anonymous", nil, "x", false, RuleUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := GrantTo(tc.p, tc.target); d.Allowed != tc.ok || d.Rule != tc.rule {
				t.Fatalf("got %+v, want allowed=%v rule %s", d, tc.ok, tc.rule)
			}
		})
	}
}
