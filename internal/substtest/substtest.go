// Package substtest builds, for tests, principals working in a substitution the way a request does:
// a substitutions row, a session of the substitute naming it, and auth's principal query.
package substtest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
)

// Zone is the server's time zone the principals are built in.
const Zone = "Europe/Warsaw"

// Principal stores a substitution of substituted by substitute in force at at (the day before to
// the day after, in Zone), opens a session of the substitute working in it and builds that
// session's principal with auth's principal query at at.
func Principal(t testing.TB, db bun.IDB, substitute, substituted string, at time.Time) *access.Principal {
	t.Helper()
	ctx := context.Background()
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		t.Fatal(err)
	}
	day := at.In(loc)
	var sbID string
	if err := db.NewRaw(`INSERT INTO substitutions (substituted_id, substitute_id, date_from, date_to, created_at, updated_at)
		VALUES (?, ?, ?::date - 1, ?::date + 1, ?, ?) RETURNING id`,
		substituted, substitute, day.Format(time.DateOnly), day.Format(time.DateOnly), at, at).Scan(ctx, &sbID); err != nil {
		t.Fatal(err)
	}
	_, hash := session.NewToken()
	s := &session.Session{TokenHash: hash, Kind: access.KindInternal, UserID: &substitute, SubstitutionID: &sbID,
		CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := session.Create(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	a := &auth.Service{Clock: clockwork.NewFakeClockAt(at), Settings: &settings.Service{Defaults: settings.Settings{TimeZone: Zone}}}
	p, err := a.Reload(ctx, db, s.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != access.KindInternal || p.UserID != substituted || p.NativeUserID != substitute || p.SubstitutionID != sbID || !p.Substituting() {
		t.Fatalf("the session of %s working in substitution %s for %s is %+v", substitute, sbID, substituted, p)
	}
	return p
}

// SameFacts reports how p's facts (what decisions read: kind, effective user, groups,
// permissions, position rights, client grants) differ from want's, in any order; nil when equal.
func SameFacts(p, want *access.Principal) error {
	type facts struct {
		Kind           access.Kind
		UserID         string
		Groups         []string
		Permissions    []access.Permission
		PositionRights []access.PositionRight
		ClientGrants   []string
	}
	of := func(p *access.Principal) facts {
		f := facts{Kind: p.Kind, UserID: p.UserID, Groups: sorted(p.Groups), Permissions: sorted(p.Permissions),
			ClientGrants: sorted(p.ClientGrants), PositionRights: slices.Clone(p.PositionRights)}
		slices.SortFunc(f.PositionRights, func(a, b access.PositionRight) int { return cmp.Compare(a.PositionID, b.PositionID) })
		if len(f.PositionRights) == 0 {
			f.PositionRights = nil
		}
		return f
	}
	if got, w := of(p), of(want); !reflect.DeepEqual(got, w) {
		return fmt.Errorf("facts %+v, want %+v", got, w)
	}
	return nil
}

func sorted[T cmp.Ordered](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
