package cases

import (
	"context"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
)

// Form is one case's form as one principal sees it: the values, and the decision that says which
// of them the principal may see. Generated procedure types (internal/procedures) embed it.
type Form struct {
	Case      *Case
	Decision  *access.CaseDecision
	Procedure *forms.Procedure
	values    forms.Values
}

// ID is the case's id.
func (f *Form) ID() string { return f.Case.ID }

// Section returns the view of section si, or nil when the section is hidden. Requested fields that
// are hidden are reported (extensions.hiddenFields or FIELD_HIDDEN errors) once per section.
func (f *Form) Section(ctx context.Context, si int) *SectionView {
	panic("not yet")
}

// SectionView reads one section's visible values; a hidden field reads as nil.
type SectionView struct {
	form   *Form
	si     int
	values map[string]any
}

// String is the value of field fi as a string (String and Decimal fields).
func (v *SectionView) String(fi int) *string { panic("not yet") }

// Date is the value of field fi as a date.
func (v *SectionView) Date(fi int) *time.Time { panic("not yet") }

// Int is the value of field fi as an integer.
func (v *SectionView) Int(fi int) *int { panic("not yet") }

// Float is the value of field fi as a float.
func (v *SectionView) Float(fi int) *float64 { panic("not yet") }

// Bool is the value of field fi as a boolean.
func (v *SectionView) Bool(fi int) *bool { panic("not yet") }
