package dbtest

import "fmt"

// ID is a fixed, valid UUID for the i-th row of a kind ("user", "group", ...), so that the rows a
// test makes have ids it can compute again and that differ between kinds.
func ID(kind string, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", len(kind)*1000+i, i)
}
