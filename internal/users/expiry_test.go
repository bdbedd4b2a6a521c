package users

import (
	"testing"
	"time"
)

// TestProfileExpiredAtTheEndOfItsDay: a profile is valid through the whole of its expiry day in the
// server's time zone, including where the next day begins at 01:00 because the clocks skip midnight
// (America/Santiago, 6 September 2026: the 5th lasts until 04:00 UTC).
func TestProfileExpiredAtTheEndOfItsDay(t *testing.T) {
	for _, tc := range []struct {
		zone        string
		last, after string
	}{
		{"Europe/Warsaw", "2026-09-05T21:59:59Z", "2026-09-05T22:00:00Z"},
		{"America/Santiago", "2026-09-06T03:59:59Z", "2026-09-06T04:00:00Z"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		on := time.Date(2026, 9, 5, 0, 0, 0, 0, time.UTC)
		u := &User{ProfileExpiresOn: &on}
		last, _ := time.Parse(time.RFC3339, tc.last)
		after, _ := time.Parse(time.RFC3339, tc.after)
		if u.ProfileExpired(last, loc) {
			t.Errorf("%s: expired at %s, the last second of its day", tc.zone, tc.last)
		}
		if !u.ProfileExpired(after, loc) {
			t.Errorf("%s: not expired at %s, the first second after its day", tc.zone, tc.after)
		}
	}
}
