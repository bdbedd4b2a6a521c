// Package scalar implements casegate's GraphQL scalars Date and Decimal for gqlgen.
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/forms"
)

// DateLayout is the wire form of Date.
const DateLayout = "2006-01-02"

// MarshalDate writes a date as YYYY-MM-DD.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(DateLayout)))
	})
}

// UnmarshalDate reads YYYY-MM-DD as midnight UTC of that day.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Input("Date", "must be a string YYYY-MM-DD")
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, apperr.Input("Date", fmt.Sprintf("%q is not a date YYYY-MM-DD", s))
	}
	return t, nil
}

// MarshalDecimal writes a decimal as a string.
func MarshalDecimal(s string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(s)) })
}

// UnmarshalDecimal accepts a plain decimal string such as "12500.50" (no exponent, no grouping).
func UnmarshalDecimal(v any) (string, error) {
	s, ok := v.(string)
	if !ok || !forms.ValidDecimal(s) {
		return "", apperr.Input("Decimal", `must be a string such as "12500.50"`)
	}
	return s, nil
}
