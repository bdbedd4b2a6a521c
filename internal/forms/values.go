package forms

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// Values are a case's form values: section key → field key → value, as stored in JSON: strings for
// String, Decimal and Date, numbers for Int and Float, booleans for Boolean.
type Values map[string]map[string]any

// MaxStringLength bounds one text value.
const MaxStringLength = 20000

var decimalPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$`)

// ValidDecimal reports whether s is a plain decimal such as "12500.50" (no exponent, no grouping):
// the one rule for the Decimal scalar and for Decimal form fields.
func ValidDecimal(s string) bool { return decimalPattern.MatchString(s) }

// Get returns one value, nil when unset.
func (v Values) Get(section, field string) any {
	return v[section][field]
}

// Set sets one value; nil removes it.
func (v Values) Set(section, field string, value any) {
	if value == nil {
		delete(v[section], field)
		return
	}
	if v[section] == nil {
		v[section] = map[string]any{}
	}
	v[section][field] = value
}

// Empty reports whether a value counts as missing for a REQUIRED field.
func Empty(value any) bool {
	if value == nil {
		return true
	}
	s, ok := value.(string)
	return ok && strings.TrimSpace(s) == ""
}

// Change is one value an input sets.
type Change struct {
	Section, Field string
	Value          any // nil clears
}

// Path is "section.field".
func (c Change) Path() string { return c.Section + "." + c.Field }

// ParseInput reads a create/update input (section → field → value, as GraphQL coerced it) into
// changes, checking every value against its field's type. Paths are in the form's order.
func (p *Procedure) ParseInput(in map[string]any) ([]Change, error) {
	var out []Change
	for _, s := range p.Sections {
		raw, ok := in[s.Key]
		if !ok || raw == nil {
			continue
		}
		fields, ok := raw.(map[string]any)
		if !ok {
			return nil, apperr.Input(s.Key, "must be an object")
		}
		for _, f := range s.Fields {
			v, ok := fields[f.Key]
			if !ok {
				continue
			}
			value, err := f.normalize(v)
			if err != nil {
				return nil, apperr.Input(s.Key+"."+f.Key, err.Error())
			}
			out = append(out, Change{Section: s.Key, Field: f.Key, Value: value})
		}
		for k := range fields {
			if !slicesContainsField(s, k) {
				return nil, apperr.Input(s.Key+"."+k, "no such field")
			}
		}
	}
	for k := range in {
		if sec, _ := p.Section(k); sec == nil {
			return nil, apperr.Input(k, "no such section")
		}
	}
	return out, nil
}

func slicesContainsField(s *Section, key string) bool {
	for _, f := range s.Fields {
		if f.Key == key {
			return true
		}
	}
	return false
}

// normalize checks v against the field's type and returns its stored form (nil clears). gqlgen
// hands input fields over as typed pointers (a null as a nil pointer); JSON gives plain values.
func (f *Field) normalize(v any) (any, error) {
	v = derefValue(v)
	if v == nil {
		return nil, nil
	}
	switch f.Type {
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a string")
		}
		if len(s) > MaxStringLength {
			return nil, fmt.Errorf("must have at most %d characters", MaxStringLength)
		}
		if !ValidText(s) {
			return nil, fmt.Errorf("must be UTF-8 text without NUL characters")
		}
		return s, nil
	case Decimal:
		s, ok := v.(string)
		if !ok || !decimalPattern.MatchString(s) {
			return nil, fmt.Errorf(`must be a decimal string such as "12500.50"`)
		}
		return s, nil
	case Date:
		switch d := v.(type) {
		case string:
			if _, err := time.Parse("2006-01-02", d); err != nil {
				return nil, fmt.Errorf("must be a date YYYY-MM-DD")
			}
			return d, nil
		case time.Time:
			return d.Format("2006-01-02"), nil
		}
		return nil, fmt.Errorf("must be a date YYYY-MM-DD")
	case Int:
		n, ok := number(v)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, fmt.Errorf("must be a whole number")
		}
		return int64(n), nil
	case Float:
		n, ok := number(v)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, fmt.Errorf("must be a number")
		}
		return n, nil
	case Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("must be true or false")
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown field type %s", f.Type)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func derefValue(v any) any {
	switch p := v.(type) {
	case *string:
		if p != nil {
			return *p
		}
	case *time.Time:
		if p != nil {
			return *p
		}
	case *int:
		if p != nil {
			return *p
		}
	case *int64:
		if p != nil {
			return *p
		}
	case *float64:
		if p != nil {
			return *p
		}
	case *bool:
		if p != nil {
			return *p
		}
	default:
		return v
	}
	return nil
}

// ValidText reports whether s can be stored as text (database.ValidText) and holds no escaped NUL
// either.
func ValidText(s string) bool {
	return database.ValidText(s) && !strings.Contains(s, `\u0000`)
}
