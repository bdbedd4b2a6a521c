package access

import "testing"

func TestAnyDocument(t *testing.T) {
	cases := []struct {
		name string
		p    *Principal
		want bool
	}{
		{"anonymous", nil, true},
		{"employee", &Principal{Kind: KindInternal}, true},
		{"administrator", &Principal{Kind: KindInternal, Permissions: []Permission{PermAdmin}}, true},
		{"system", &Principal{Kind: KindSystem}, true},
		{"guest", &Principal{Kind: KindExternal, ContactID: "c"}, false},
		{"guest holding ADMIN", &Principal{Kind: KindExternal, ContactID: "c", Permissions: []Permission{PermAdmin}}, false},
		{"temporary", &Principal{Kind: KindTemporary, GrantID: "g"}, false},
	}
	for _, c := range cases {
		if d := AnyDocument(c.p); d.Allowed != c.want {
			t.Errorf("%s: allowed %v, want %v (rule %s)", c.name, d.Allowed, c.want, d.Rule)
		}
	}
}
