package relay

import (
	"errors"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/apperr"
)

func TestCursorRoundTrip(t *testing.T) {
	c := Encode("Zażółć", "0b8c3c1e-0000-0000-0000-000000000001")
	var name, id string
	ok, err := Args{After: &c}.Keys(&name, &id)
	if err != nil || !ok || name != "Zażółć" || id != "0b8c3c1e-0000-0000-0000-000000000001" {
		t.Fatalf("Keys = %v %v %q %q", ok, err, name, id)
	}
	c2 := Encode(int64(42))
	if limit, after, err := (Args{After: &c2}).Int64Cursor(); err != nil || *after != 42 || limit != DefaultFirst {
		t.Fatalf("Int64Cursor = %d %v %v", limit, after, err)
	}
	if limit, after, err := (Args{}).Int64Cursor(); err != nil || after != nil || limit != DefaultFirst {
		t.Fatalf("Int64Cursor without cursor = %d %v %v", limit, after, err)
	}
}

func TestBadArgs(t *testing.T) {
	big, neg := MaxFirst+1, -1
	forged, other := "%%%", Encode("one key")
	for name, a := range map[string]Args{
		"first over 200":       {First: &big},
		"negative first":       {First: &neg},
		"not base64":           {After: &forged},
		"wrong number of keys": {After: &other},
	} {
		var x, y string
		_, err := a.Keys(&x, &y)
		var ie *apperr.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want an input error", name, err)
		}
	}
}

func TestNewPage(t *testing.T) {
	rows := []int{1, 2, 3}
	p := NewPage(rows, 2, func(i int) []any { return []any{i} })
	if !p.HasNext || len(p.Edges) != 2 || *p.EndCursor != Encode(2) || *p.StartCursor != Encode(1) {
		t.Fatalf("page = %+v", p)
	}
	p = NewPage(rows[:2], 2, func(i int) []any { return []any{i} })
	if p.HasNext || len(p.Edges) != 2 {
		t.Fatalf("last page = %+v", p)
	}
	if p := NewPage([]int{}, 2, func(i int) []any { return nil }); p.EndCursor != nil || p.HasNext {
		t.Fatalf("empty page = %+v", p)
	}
}

func TestNameIDCursor(t *testing.T) {
	good := Encode("Zażółć", "0b8c3c1e-0000-0000-0000-000000000001")
	limit, after, err := Args{After: &good}.NameIDCursor()
	if err != nil || limit != DefaultFirst || after == nil || after.Name != "Zażółć" || after.ID != "0b8c3c1e-0000-0000-0000-000000000001" {
		t.Fatalf("NameIDCursor = %d %+v %v", limit, after, err)
	}
	if _, after, err := (Args{}).NameIDCursor(); err != nil || after != nil {
		t.Fatalf("NameIDCursor without cursor = %+v %v", after, err)
	}
	for _, c := range []string{Encode("a", "not-a-uuid"), Encode("a", 7), Encode("a"), Encode("a", "0b8c3c1e-0000-0000-0000-000000000001', 'x")} {
		_, _, err := Args{After: &c}.NameIDCursor()
		var ie *apperr.InputError
		if !errors.As(err, &ie) || ie.Field != "after" {
			t.Errorf("cursor %s: err = %v, want an input error on after", c, err)
		}
	}
}

func TestContainsPattern(t *testing.T) {
	for in, want := range map[string]string{"abc": "%abc%", "100%": `%100\%%`, "a_b": `%a\_b%`, `c:\x`: `%c:\\x%`} {
		if got := ContainsPattern(in); got != want {
			t.Errorf("ContainsPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimeIDCursor(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	c := Encode(at, "0b8c3c1e-0000-0000-0000-000000000001")
	limit, after, err := Args{After: &c}.TimeIDCursor()
	if err != nil || limit != DefaultFirst || !after.At.Equal(at) || after.ID != "0b8c3c1e-0000-0000-0000-000000000001" {
		t.Fatalf("TimeIDCursor = %d %+v %v", limit, after, err)
	}
	bad := Encode(at, "not-a-uuid")
	if _, _, err := (Args{After: &bad}).TimeIDCursor(); !errors.Is(err, apperr.ErrBadInput) {
		t.Fatalf("a cursor with a bad id: %v", err)
	}
	if _, after, err := (Args{}).TimeIDCursor(); err != nil || after != nil {
		t.Fatalf("no cursor: %v %v", after, err)
	}
}

// TestCursorKeysPostgreSQLCannotCompare: a forged cursor whose name holds a NUL or whose time lies
// outside the years 1-9999 is an input error on after, not a failed query.
func TestCursorKeysPostgreSQLCannotCompare(t *testing.T) {
	id := "0b8c3c1e-0000-0000-0000-000000000001"
	for name, c := range map[string]string{
		"NUL in the name":    Encode("a\u0000b", id),
		"year 0000":          Encode("0000-01-01T00:00:00Z", id),
		"year 10000 in zone": Encode("9999-12-31T23:00:00-05:00", id),
	} {
		var err error
		if name == "NUL in the name" {
			_, _, err = Args{After: &c}.NameIDCursor()
		} else {
			_, _, err = Args{After: &c}.TimeIDCursor()
		}
		var ie *apperr.InputError
		if !errors.As(err, &ie) || ie.Field != "after" {
			t.Errorf("%s: err = %v, want an input error on after", name, err)
		}
	}
}
