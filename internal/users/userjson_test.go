package users

import (
	"reflect"
	"strings"
	"testing"
)

// pgUser is one user as PostgreSQL's json_build_object writes it (" : " and ", " between).
const pgUser = `{"id" : "6f1c2b8e-0000-4000-8000-000000000001", "email" : "anna@casegate.test", "name" : "Anna Żółć-Kowalska", ` +
	`"phone" : "+48 600 000 000", "managerId" : null, "status" : "ACTIVE", "profileExpiresOn" : "2027-03-31", ` +
	`"passwordHash" : "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", "permissions" : ["ADMIN","AUDIT"], "isSystem" : false, ` +
	`"contactId" : null, "createdAt" : "2026-12-05T10:11:12.123456+00:00", "updatedAt" : "2026-12-05T12:11:12.5+02:00"}`

// TestDecodeUsersAgreesWithEncodingJSON: DecodeJSON reads every input as encoding/json does
// (same users, or an error for both), and reads PostgreSQL's own output without encoding/json.
func TestDecodeUsersAgreesWithEncodingJSON(t *testing.T) {
	bare := `{"id" : "b", "email" : "b@casegate.test", "name" : "B", "phone" : null, "managerId" : null, "status" : "BLOCKED", ` +
		`"profileExpiresOn" : null, "passwordHash" : null, "permissions" : [], "isSystem" : true, "contactId" : "c", ` +
		`"createdAt" : "2026-01-01T00:00:00+00:00", "updatedAt" : "2026-01-01T00:00:00+00:00"}`
	fast := []string{
		`null`, ` null `, `[]`, `[ ]`, `[{}]`,
		`[` + pgUser + `]`,
		`[` + pgUser + `, ` + bare + `]`,
		"[\n" + strings.ReplaceAll(pgUser, " : ", ":") + "\n]",
		`[{"id":"x","permissions":null}]`,
	}
	for _, in := range fast {
		if _, ok := decodeUsersJSON([]byte(in)); !ok {
			t.Errorf("not read without reflection: %.80s", in)
		}
	}
	others := []string{
		``, `[`, `]`, `[,]`, `[{},]`, `[{}`, `[{}] x`, `nullx`, `[null]`, `{}`, `"x"`, `[{"id":"x",}]`, `[{"id" "x"}]`,
		`[{"id":"x","id":"y"}]`,               // a key twice
		`[{"ID":"x"}]`,                        // a key spelled otherwise (encoding/json folds case)
		`[{"id":"x","extra":1}]`,              // an unknown key
		`[{"name":"Anna \"A\" \u017bak\/x"}]`, // escapes
		"[{\"name\":\"bad \xff utf-8\"}]",     // invalid UTF-8
		"[{\"name\":\"tab\tinside\"}]",        // a control character
		`[{"id":null}]`, `[{"isSystem":null}]`, `[{"createdAt":null}]`, `[{"status":null}]`,
		`[{"id":5}]`, `[{"isSystem":"true"}]`, `[{"isSystem":truex}]`, `[{"permissions":"ADMIN"}]`, `[{"permissions":[1]}]`,
		`[{"permissions":["A",]}]`, `[{"permissions":[null]}]`,
		`[{"profileExpiresOn":"2027-02-30"}]`, `[{"profileExpiresOn":"31.03.2027"}]`,
		`[{"createdAt":"yesterday"}]`, `[{"createdAt":"2026-12-05T10:11:12Z"}]`,
	}
	for _, in := range append(fast, others...) {
		want, wantErr := decodeUsersReflect([]byte(in))
		got, err := DecodeJSON([]byte(in))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%.80s: error %v, encoding/json %v", in, err, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.80s:\n got %+v\nwant %+v", in, got, want)
		}
	}
}

func BenchmarkDecodeUsers(b *testing.B) {
	raw := []byte(`[` + pgUser + `, ` + pgUser + `, ` + pgUser + `]`)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeJSON(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeUsersReflect(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
