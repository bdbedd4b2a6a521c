package access

import (
	"github.com/uptrace/bun/dialect/pgdialect"
)

// pgArray passes a Go slice as one PostgreSQL array parameter.
func pgArray(s []string) any { return pgdialect.Array(s) }
