package forms

import (
	"fmt"
	"strings"

	"github.com/casegate/casegate/internal/apperr"
)

// Target is a section ("section") or a field ("section.field") of a procedure's form, as the API
// names them; the one parser every operation on targets uses.
type Target struct {
	Section, Field string
	SI, FI         int // indexes; FI is -1 for a section
}

// IsField tells a field target from a section target.
func (t Target) IsField() bool { return t.Field != "" }

// String is the canonical form, "section" or "section.field".
func (t Target) String() string {
	if t.Field == "" {
		return t.Section
	}
	return t.Section + "." + t.Field
}

// ParseTarget reads "section" or "section.field" and checks that it exists; apiField names the
// argument in the error.
func (p *Procedure) ParseTarget(apiField, target string) (Target, error) {
	section, field, dotted := strings.Cut(target, ".")
	if sec, si := p.Section(section); sec != nil {
		if !dotted {
			return Target{Section: section, SI: si, FI: -1}, nil
		}
		for fi, f := range sec.Fields {
			if f.Key == field {
				return Target{Section: section, Field: field, SI: si, FI: fi}, nil
			}
		}
	}
	return Target{}, apperr.Input(apiField, fmt.Sprintf("%s has no section or field %q (write section or section.field)", p.Key, target))
}
