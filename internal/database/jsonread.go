package database

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// JSONReader reads, without reflection, the JSON that PostgreSQL writes for a column built with
// json_build_object or jsonb_build_object: objects, arrays, strings without escapes, null, true,
// false and small unsigned integers. Each method answers false on anything else (an escape, a
// number it does not read, invalid UTF-8), and the caller then leaves the whole value to
// encoding/json, which agrees with it on what it reads (users.DecodeJSON, cases' facts).
type JSONReader struct {
	b []byte
	i int
}

// NewJSONReader reads b.
func NewJSONReader(b []byte) *JSONReader { return &JSONReader{b: b} }

func (r *JSONReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// Char reads c after any space.
func (r *JSONReader) Char(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// Literal reads null, true or false after any space, not followed by a letter or digit.
func (r *JSONReader) Literal(l string) bool {
	r.space()
	if !bytes.HasPrefix(r.b[r.i:], []byte(l)) {
		return false
	}
	if j := r.i + len(l); j < len(r.b) && isWordByte(r.b[j]) {
		return false
	}
	r.i += len(l)
	return true
}

// Bool reads true or false; ok is false for anything else.
func (r *JSONReader) Bool() (v, ok bool) {
	switch {
	case r.Literal("true"):
		return true, true
	case r.Literal("false"):
		return false, true
	}
	return false, false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+'
}

// End tells whether only space is left.
func (r *JSONReader) End() bool {
	r.space()
	return r.i == len(r.b)
}

// Quoted reads a string without escapes or control characters, in valid UTF-8, and returns it
// with its quotes.
func (r *JSONReader) Quoted() ([]byte, bool) {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			q := r.b[r.i : j+1]
			if !utf8.Valid(q) {
				return nil, false
			}
			r.i = j + 1
			return q, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// String reads a string (see Quoted).
func (r *JSONReader) String() (string, bool) {
	q, ok := r.Quoted()
	if !ok {
		return "", false
	}
	return string(q[1 : len(q)-1]), true
}

// Optional reads null (nil) or a string.
func (r *JSONReader) Optional() (*string, bool) {
	if r.Literal("null") {
		return nil, true
	}
	v, ok := r.String()
	if !ok {
		return nil, false
	}
	return &v, true
}

// Time reads a string into t as encoding/json does (time.Time's UnmarshalJSON).
func (r *JSONReader) Time(t *time.Time) bool {
	q, ok := r.Quoted()
	return ok && t.UnmarshalJSON(q) == nil
}

// Uint8 reads an integer of 0 to 255 written with digits only (no sign, fraction or exponent).
func (r *JSONReader) Uint8() (uint8, bool) {
	r.space()
	n, j := 0, r.i
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		n = n*10 + int(r.b[j]-'0')
		if n > 255 {
			return 0, false
		}
		j++
	}
	if j == r.i || j-r.i > 1 && r.b[r.i] == '0' || j < len(r.b) && isWordByte(r.b[j]) {
		return 0, false
	}
	r.i = j
	return uint8(n), true
}

// Array reads null (false for present) or an array, calling elem for each element.
func (r *JSONReader) Array(elem func() bool) (present, ok bool) {
	if r.Literal("null") {
		return false, true
	}
	if !r.Char('[') {
		return false, false
	}
	if r.Char(']') {
		return true, true
	}
	for {
		if !elem() {
			return false, false
		}
		if r.Char(']') {
			return true, true
		}
		if !r.Char(',') {
			return false, false
		}
	}
}

// Object reads an object, calling field with each key (without its quotes) once the reader is
// at its value. A key seen twice is refused (encoding/json keeps the last; the callers leave
// such input to it), as is an object of more than 16 keys.
func (r *JSONReader) Object(field func(key []byte) bool) bool {
	if !r.Char('{') {
		return false
	}
	if r.Char('}') {
		return true
	}
	var seen [16][]byte
	n := 0
	for {
		q, ok := r.Quoted()
		if !ok || !r.Char(':') {
			return false
		}
		key := q[1 : len(q)-1]
		for _, k := range seen[:n] {
			if bytes.Equal(k, key) {
				return false
			}
		}
		if n == len(seen) {
			return false
		}
		seen[n] = key
		n++
		if !field(key) {
			return false
		}
		if r.Char('}') {
			return true
		}
		if !r.Char(',') {
			return false
		}
	}
}
