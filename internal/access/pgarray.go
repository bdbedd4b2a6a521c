package access

import (
	"github.com/uptrace/bun/dialect/pgdialect"
)

// pgArray passes a Go slice as one PostgreSQL array parameter.
func pgArray(s []string) any { return pgdialect.Array(s) }

// pgIntArray passes a Go slice of integers as one PostgreSQL array parameter.
func pgIntArray(s []int) any {
	if s == nil {
		s = []int{}
	}
	return pgdialect.Array(s)
}
