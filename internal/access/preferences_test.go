package access

import (
	"errors"
	"testing"

	"github.com/casegate/casegate/internal/apperr"
)

func TestOwnPreferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *Principal
		want error
	}{
		{"anonymous", nil, apperr.ErrUnauthenticated},
		{"employee", &Principal{Kind: KindInternal, UserID: "u", NativeUserID: "u"}, nil},
		// While substituting, the person's own preferences: still allowed, on the native user.
		{"substituting", &Principal{Kind: KindInternal, UserID: "b", NativeUserID: "a", SubstitutionID: "s"}, nil},
		{"guest", &Principal{Kind: KindExternal, ContactID: "c"}, apperr.ErrForbidden},
		{"temporary", &Principal{Kind: KindTemporary, GrantID: "g"}, apperr.ErrForbidden},
		{"system", System(), apperr.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := OwnPreferences(tc.p).Err()
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("OwnPreferences = %v, want %v", err, tc.want)
			}
		})
	}
}
