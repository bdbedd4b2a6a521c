// Package scaletest gives the plan guard tests their company: scale's plan company (Small,
// analyzed) on a database of the test's own, with the SQL that database runs afterwards recorded.
package scaletest

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/scale"
)

// PlanCompany skips the test under -short (the company is 20,000 cases, 40,000 documents and the
// full 10,000 users), else generates scale.PlanCompany on a new database and returns the database,
// the company's manifest and the recorder of the SQL run from then on.
func PlanCompany(t *testing.T) (*bun.DB, *scale.Manifest, *scale.Recorder) {
	t.Helper()
	if testing.Short() {
		t.Skip("generates the scale company at 2 % size (20,000 cases, 40,000 documents)")
	}
	db := dbtest.New(t)
	m, rec, err := scale.PlanCompany(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, m, rec
}
