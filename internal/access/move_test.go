package access

import "testing"

func TestMoveCases(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *Principal
		want bool
		rule string
	}{
		{"nobody", nil, false, RuleUnauthenticated},
		{"an employee", &Principal{Kind: KindInternal, UserID: "u"}, true, "INTERNAL"},
		{"the system user", System(), true, "SYSTEM"},
		{"a temporary session (its grant's moves decide)", &Principal{Kind: KindTemporary, GrantID: "g", Temporary: &TemporaryAccess{GrantID: "g"}}, true, "TEMPORARY"},
		{"a guest", &Principal{Kind: KindExternal, UserID: "g", ContactID: "c"}, false, RuleGuestMove},
	} {
		if d := MoveCases(c.p); d.Allowed != c.want || d.Rule != c.rule {
			t.Errorf("%s: %+v, want allowed %v by %s", c.name, d, c.want, c.rule)
		}
	}
}
