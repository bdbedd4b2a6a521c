package database

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ValidText reports whether s can be stored in a text or jsonb column: valid UTF-8 without NUL,
// which PostgreSQL refuses (an error, not a stored value).
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// Instants that PostgreSQL and Go both hold, in every time zone. PostgreSQL writes a timestamptz in
// the session's time zone, and Go reads no year before 1 or after 9999 ("0000", "10000" and "BC"
// fail to parse); a day's margin keeps an instant inside those years wherever it is written.
var (
	MinTime = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 30, 23, 59, 59, 999999000, time.UTC)
)

// ValidTime reports whether t lies within [MinTime, MaxTime].
func ValidTime(t time.Time) bool {
	return !t.Before(MinTime) && !t.After(MaxTime)
}

// ValidDate reports whether the day of t (as written, in its own location) lies in the years 1 to
// 9999, which PostgreSQL and Go both hold (a date has no time zone to shift it).
func ValidDate(t time.Time) bool {
	y := t.Year()
	return 1 <= y && y <= 9999
}
