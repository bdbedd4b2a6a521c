// Package scalar implements casegate's GraphQL scalars for gqlgen: its own Date, DateTime and
// Decimal, and the built-in String and ID. Every argument a client sends is read here, so this is
// where input that PostgreSQL or Go cannot hold is refused (BAD_USER_INPUT naming the argument),
// once for every operation: text with NUL or invalid UTF-8, text over its bound (bounds.go), and
// times and dates that are malformed or outside the years PostgreSQL and Go share.
package scalar

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/forms"
)

// DateLayout is the wire form of Date.
const DateLayout = "2006-01-02"

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// MarshalDate writes a date as YYYY-MM-DD.
func MarshalDate(t time.Time) graphql.ContextMarshaler {
	return quoted(t.Format(DateLayout))
}

// UnmarshalDate reads YYYY-MM-DD, a day of the years 1 to 9999, as midnight UTC of that day.
func UnmarshalDate(ctx context.Context, v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok || !datePattern.MatchString(s) {
		return time.Time{}, refuse(ctx, "must be a date YYYY-MM-DD")
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil || !database.ValidDate(t) {
		return time.Time{}, refuse(ctx, "must be a date YYYY-MM-DD of the years 0001 to 9999")
	}
	return t, nil
}

// dateTimePattern is RFC 3339's date-time: seconds required, a fraction of up to nine digits, Z or
// an offset under 24 hours (T and Z may be lower case, as RFC 3339 allows).
var dateTimePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// MarshalDateTime writes an instant in RFC 3339 as gqlgen does (the zero time is null).
func MarshalDateTime(t time.Time) graphql.ContextMarshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return quoted(t.Format(time.RFC3339Nano))
}

// UnmarshalDateTime reads an RFC 3339 date-time strictly: a real calendar time (no leap second
// 60, no 24:00, offsets under 24 hours) between database.MinTime and database.MaxTime. It returns
// the instant in UTC, kept to the microsecond as PostgreSQL keeps it (a finer fraction is dropped,
// so Go and SQL compare alike), so that no offset PostgreSQL would not take reaches it.
func UnmarshalDateTime(ctx context.Context, v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok || !dateTimePattern.MatchString(s) {
		return time.Time{}, refuse(ctx, "must be an RFC 3339 date-time such as 2026-12-31T23:59:59Z")
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, refuse(ctx, "must be an RFC 3339 date-time such as 2026-12-31T23:59:59Z")
	}
	t = t.UTC().Truncate(time.Microsecond)
	if !database.ValidTime(t) {
		return time.Time{}, refuse(ctx, "must lie between "+database.MinTime.Format(time.RFC3339)+" and "+
			database.MaxTime.Truncate(time.Second).Format(time.RFC3339))
	}
	return t, nil
}

// MarshalDecimal writes a decimal as a string.
func MarshalDecimal(s string) graphql.ContextMarshaler { return quoted(s) }

// UnmarshalDecimal accepts a plain decimal string such as "12500.50" (no exponent, no grouping).
func UnmarshalDecimal(ctx context.Context, v any) (string, error) {
	s, ok := v.(string)
	if !ok || !forms.ValidDecimal(s) {
		return "", refuse(ctx, `must be a decimal string such as "12500.50"`)
	}
	return s, nil
}

// quoted writes s as a JSON string; s needs no escaping (digits, signs, dashes, colons, T, Z).
func quoted(s string) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, strconv.Quote(s))
		return err
	})
}
