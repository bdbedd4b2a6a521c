package database

import (
	"bytes"
	"strings"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// TextArray decodes a text[] column as PostgreSQL writes it ({a,b,"c d"}) into dest, as bun's
// pgdialect.Array does (NULL leaves dest nil). Arrays whose elements need no quoting (ids,
// permission names: the columns read on every request) are split without reflection, all elements
// sharing one string; anything else is left to pgdialect. pgdialect misreads an unquoted element
// that starts with "(" or "[" (as a composite or an array); the split reads it as written, and the
// columns read here (ids, permission names) hold none.
func TextArray(raw []byte, dest *[]string) error {
	if raw == nil {
		*dest = nil
		return nil
	}
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' || bytes.ContainsAny(raw[1:len(raw)-1], `"\{}`) {
		return pgdialect.Array(dest).Scan(raw) // quoted elements, escapes or nested arrays
	}
	body := string(raw[1 : len(raw)-1])
	if body == "" {
		*dest = []string{}
		return nil
	}
	out := make([]string, 0, strings.Count(body, ",")+1)
	for e := range strings.SplitSeq(body, ",") {
		if strings.EqualFold(e, "NULL") {
			return pgdialect.Array(dest).Scan(raw)
		}
		out = append(out, e)
	}
	*dest = out
	return nil
}
