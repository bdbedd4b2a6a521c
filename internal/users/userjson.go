package users

import (
	"bytes"
	"time"
	"unicode/utf8"

	"github.com/casegate/casegate/internal/access"
)

// decodeUsersJSON reads what DecodeJSON reads, without reflection, when raw keeps to the JSON that
// JSONObjectSQL and json_agg write: an array (or null) of objects with only jsonUser's keys, each
// at most once and spelled exactly, strings without escapes in valid UTF-8, and null only where
// jsonUser has a pointer or a slice. Anything else, and any value encoding/json would refuse,
// answers ok false, and DecodeJSON asks encoding/json (TestDecodeUsersAgreesWithEncodingJSON).
func decodeUsersJSON(raw []byte) (out []User, ok bool) {
	s := jsonScan{b: raw}
	if s.literal("null") {
		return []User{}, s.end()
	}
	if !s.char('[') {
		return nil, false
	}
	out = []User{}
	if s.char(']') {
		return out, s.end()
	}
	for {
		u, ok := s.user()
		if !ok {
			return nil, false
		}
		out = append(out, u)
		if s.char(']') {
			return out, s.end()
		}
		if !s.char(',') {
			return nil, false
		}
	}
}

// jsonScan reads a JSON text from b at i.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// char reads c after any space.
func (s *jsonScan) char(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal reads null, true or false after any space, not followed by another letter.
func (s *jsonScan) literal(l string) bool {
	s.space()
	if !bytes.HasPrefix(s.b[s.i:], []byte(l)) {
		return false
	}
	if j := s.i + len(l); j < len(s.b) && (s.b[j] >= 'a' && s.b[j] <= 'z' || s.b[j] >= 'A' && s.b[j] <= 'Z' || s.b[j] >= '0' && s.b[j] <= '9') {
		return false
	}
	s.i += len(l)
	return true
}

// end tells whether only space is left.
func (s *jsonScan) end() bool {
	s.space()
	return s.i == len(s.b)
}

// quoted reads a string without escapes or control characters, in valid UTF-8, and returns it
// with its quotes.
func (s *jsonScan) quoted() ([]byte, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			q := s.b[s.i : j+1]
			if !utf8.Valid(q) {
				return nil, false
			}
			s.i = j + 1
			return q, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (s *jsonScan) str() (string, bool) {
	q, ok := s.quoted()
	if !ok {
		return "", false
	}
	return string(q[1 : len(q)-1]), true
}

// optional reads null (nil) or a string.
func (s *jsonScan) optional() (*string, bool) {
	if s.literal("null") {
		return nil, true
	}
	v, ok := s.str()
	if !ok {
		return nil, false
	}
	return &v, true
}

func (s *jsonScan) time(t *time.Time) bool {
	q, ok := s.quoted()
	return ok && t.UnmarshalJSON(q) == nil
}

// The keys of jsonUser, as bits of the set of keys read.
var userKeys = map[string]uint{"id": 0, "email": 1, "name": 2, "phone": 3, "managerId": 4, "status": 5,
	"profileExpiresOn": 6, "passwordHash": 7, "permissions": 8, "isSystem": 9, "contactId": 10,
	"createdAt": 11, "updatedAt": 12}

// user reads one object of JSONObjectSQL.
func (s *jsonScan) user() (u User, ok bool) {
	if !s.char('{') {
		return u, false
	}
	if s.char('}') {
		u.Permissions = []access.Permission{}
		return u, true
	}
	var seen uint
	for {
		q, ok := s.quoted()
		if !ok {
			return u, false
		}
		key, known := userKeys[string(q[1:len(q)-1])]
		if !known || seen&(1<<key) != 0 || !s.char(':') {
			return u, false
		}
		seen |= 1 << key
		switch key {
		case 0:
			u.ID, ok = s.str()
		case 1:
			u.Email, ok = s.str()
		case 2:
			u.Name, ok = s.str()
		case 3:
			u.Phone, ok = s.optional()
		case 4:
			u.ManagerID, ok = s.optional()
		case 5:
			var v string
			v, ok = s.str()
			u.Status = Status(v)
		case 6:
			var v *string
			if v, ok = s.optional(); ok && v != nil {
				d, err := time.Parse(time.DateOnly, *v)
				ok = err == nil
				u.ProfileExpiresOn = &d
			}
		case 7:
			u.PasswordHash, ok = s.optional()
		case 8:
			u.Permissions, ok = s.permissions()
		case 9:
			switch {
			case s.literal("true"):
				u.IsSystem = true
			case s.literal("false"):
				u.IsSystem = false
			default:
				ok = false
			}
		case 10:
			u.ContactID, ok = s.optional()
		case 11:
			ok = s.time(&u.CreatedAt)
		case 12:
			ok = s.time(&u.UpdatedAt)
		}
		if !ok {
			return u, false
		}
		if s.char('}') {
			if u.Permissions == nil {
				u.Permissions = []access.Permission{}
			}
			return u, true
		}
		if !s.char(',') {
			return u, false
		}
	}
}

// permissions reads null or an array of strings.
func (s *jsonScan) permissions() ([]access.Permission, bool) {
	if s.literal("null") {
		return nil, true
	}
	if !s.char('[') {
		return nil, false
	}
	out := []access.Permission{}
	if s.char(']') {
		return out, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, access.Permission(v))
		if s.char(']') {
			return out, true
		}
		if !s.char(',') {
			return nil, false
		}
	}
}
