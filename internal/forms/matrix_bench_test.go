package forms

import (
	"context"
	"fmt"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/dbtest"
)

// benchProcedure is a procedure of 5 sections × 6 fields (30 fields) and 6 stages, with stage
// exceptions in the schema, so every source of a cell occurs.
func benchProcedure() *Procedure {
	p := &Procedure{Key: "bench", Name: "Bench", Stages: []string{"S1", "S2", "S3", "S4", "S5", "S6"}}
	for si := range 5 {
		sec := &Section{Key: fmt.Sprintf("s%d", si), Name: "Section", Internal: access.Modify, External: access.Hidden,
			Exceptions: []access.StageMode{{Stage: "S6", Internal: access.ReadOnly}}}
		for fi := range 6 {
			f := &Field{Key: fmt.Sprintf("f%d", fi), Name: "Field", Type: String, Internal: access.AsSection, External: access.AsSection}
			if fi%2 == 0 {
				f.Exceptions = []access.StageMode{{Stage: p.Stages[fi], Internal: access.Required}}
			}
			sec.Fields = append(sec.Fields, f)
		}
		p.Sections = append(p.Sections, sec)
	}
	return p
}

// BenchmarkAccessMatrix measures what accessMatrix costs a server for a 30-field, 6-stage procedure
// with administrators' overrides: one statement to PostgreSQL (overrides, grants, version) and the
// matrix's 35 rows × 12 cells. The GraphQL layer's serialisation is not included.
func BenchmarkAccessMatrix(b *testing.B) {
	db := dbtest.New(b)
	proc := benchProcedure()
	s := &Service{DB: db, Clock: clockwork.NewRealClock(), Registry: NewRegistry(proc)}
	admin := &access.Principal{Kind: access.KindInternal, Permissions: []access.Permission{access.PermAdmin}}
	ctx := context.Background()
	ro, hidden := access.ReadOnly, access.Hidden
	var changes []MatrixChange
	for si := range 5 {
		changes = append(changes, MatrixChange{Target: fmt.Sprintf("s%d.f1", si), External: true, Mode: &ro},
			MatrixChange{Target: fmt.Sprintf("s%d", si), Stage: "S2", Mode: &hidden})
	}
	if _, err := s.SetMatrix(ctx, admin, "bench", 0, changes, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("query and build", func(b *testing.B) {
		for b.Loop() {
			m, err := s.Matrix(ctx, admin, "bench", nil)
			if err != nil || len(m.Rows) != 35 || len(m.Rows[1].Cells) != 12 || m.Version != 1 {
				b.Fatalf("matrix: %v", err)
			}
		}
	})
	st, err := loadSnapshot(ctx, db, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("build only", func(b *testing.B) {
		for b.Loop() {
			buildMatrix(proc, st, nil)
		}
	})
}
