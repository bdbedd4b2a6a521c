package audit_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/groups"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

// A preview principal writes nothing, even where a service is reached past the HTTP edge (which
// refuses every mutation of a preview first): the audit record every write appends in its
// transaction is refused, and the write rolls back with it.
func TestPreviewWritesNothing(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	admin := &access.Principal{Kind: access.KindInternal, UserID: access.SystemUserID, NativeUserID: access.SystemUserID,
		Permissions: []access.Permission{access.PermAdmin}}
	preview := *admin
	preview.PreviewBy = access.SystemUserID
	count := func(q string) int {
		var n int
		if err := db.NewRaw(q).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	err := audit.Append(ctx, db, &preview, time.Now(), audit.Entry{Action: "test.write", Entity: "test"})
	if !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("Append by a preview = %v, want FORBIDDEN", err)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'test.write'`); n != 0 {
		t.Fatalf("%d records appended by a preview", n)
	}

	svc := &groups.Service{DB: db, Clock: clockwork.NewRealClock()}
	if _, err := svc.Create(ctx, &preview, "Previewed"); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("a group created by a preview: %v", err)
	}
	if n := count(`SELECT count(*) FROM groups WHERE name = 'Previewed'`); n != 0 {
		t.Fatal("the group of a refused write stayed")
	}
	// The same principal, no preview, writes: the refusal is the preview's alone.
	if _, err := svc.Create(ctx, admin, "Previewed"); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM groups WHERE name = 'Previewed'`); n != 1 {
		t.Fatal("the administrator's group was not written")
	}
}
