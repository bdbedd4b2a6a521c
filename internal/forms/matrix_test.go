package forms

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/dbtest"
)

func TestApplyChangeAndDiffCells(t *testing.T) {
	proc := benchProcedure()
	ro, req := access.ReadOnly, access.Required
	st := snapshot{}
	// s0.f0 has the schema exception S1 internal REQUIRED.
	applyChange(proc, st, MatrixChange{Target: "s0.f0", Stage: "S2", External: true, Mode: &ro})
	applyChange(proc, st, MatrixChange{Target: "s0", Mode: &ro})
	cells := diffCells(proc, snapshot{}, st)
	if want := []string{"s0@*/INTERNAL", "s0.f0@S2/EXTERNAL"}; !slices.Equal(cells, want) {
		t.Errorf("cells = %v, want %v", cells, want)
	}
	if ex := *st["s0.f0"].StageExceptions; len(ex) != 2 || ex[0].Stage != "S1" || ex[0].Internal != req {
		t.Errorf("the schema's exception was not kept: %+v", ex)
	}
	// Clearing both returns to the schema: no override is left.
	applyChange(proc, st, MatrixChange{Target: "s0.f0", Stage: "S2", External: true})
	applyChange(proc, st, MatrixChange{Target: "s0"})
	if len(st) != 0 {
		t.Errorf("overrides left after clearing: %+v", st)
	}
	// Removing the schema's exception is an override, and a cell.
	applyChange(proc, st, MatrixChange{Target: "s0.f0", Stage: "S1"})
	if cells := diffCells(proc, snapshot{}, st); !slices.Equal(cells, []string{"s0.f0@S1/INTERNAL"}) {
		t.Errorf("cells = %v", cells)
	}
}

func TestEveryWriteAddsARevisionWithItsAuditCells(t *testing.T) {
	db := dbtest.New(t)
	proc := benchProcedure()
	s := &Service{DB: db, Clock: clockwork.NewRealClock(), Registry: NewRegistry(proc)}
	admin := &access.Principal{Kind: access.KindInternal, Permissions: []access.Permission{access.PermAdmin}}
	ctx := context.Background()
	hidden := access.Hidden
	if _, err := s.SetAccess(ctx, admin, "bench", "s1.f1", true, SettingsInput{Internal: &hidden}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMatrix(ctx, admin, "bench", 1, []MatrixChange{{Target: "s2", Stage: "S4", External: true, Mode: &hidden}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetAccess(ctx, admin, "bench", "s1.f1", true); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.NewRaw(q).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM procedure_settings_revisions r JOIN audit_log a ON a.entity = 'procedure'
		AND a.changed_fields = r.cells AND a.at = r.changed_at AND a.action LIKE 'procedure.access.%'`); n != 3 {
		t.Errorf("%d revisions with an audit record listing the same cells, want 3", n)
	}
	before := count(`SELECT count(*) FROM procedure_settings_revisions`) + count(`SELECT count(*) FROM audit_log`)
	_, err := s.SetMatrix(ctx, admin, "bench", 2, []MatrixChange{{Target: "s3", Mode: &hidden}}, nil)
	if !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("stale version: %v, want a conflict", err)
	}
	if after := count(`SELECT count(*) FROM procedure_settings_revisions`) + count(`SELECT count(*) FROM audit_log`); after != before {
		t.Errorf("a conflicting write wrote")
	}
	m, err := s.Matrix(ctx, admin, "bench", nil)
	if err != nil || m.Version != 3 {
		t.Fatalf("matrix: version %v, %v", m, err)
	}
	if _, err := s.Matrix(ctx, &access.Principal{Kind: access.KindInternal}, "bench", nil); !errors.Is(err, apperr.ErrForbidden) {
		t.Errorf("non-admin: %v, want FORBIDDEN", err)
	}
}
