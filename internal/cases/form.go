package cases

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
)

// Form is one case's form as one principal sees it: the values, and the decision that says which
// of them the principal may see. Generated procedure types (internal/procedures) embed it, and
// their section methods call Section, so a form costs one decision, made when the case was loaded.
type Form struct {
	Case      *Case
	Decision  *access.CaseDecision
	Procedure *forms.Procedure
	values    forms.Values
}

// ID is the case's id.
func (f *Form) ID() string { return f.Case.ID }

// Section returns the view of section si, or nil when the section is hidden. The requested fields
// that are hidden (or the section itself) are reported to the request's Hidden collector.
func (f *Form) Section(ctx context.Context, si int) *SectionView {
	if !visible(f.Decision.Sections[si]) {
		reportHidden(ctx, "")
		return nil
	}
	v := &SectionView{form: f, si: si, values: f.values[f.Procedure.Sections[si].Key]}
	if h := hiddenFrom(ctx); h != nil {
		v.reportHiddenFields(ctx, h)
	}
	return v
}

// reportHiddenFields reports the requested fields of this section that are hidden. It runs once per
// section and only when the section has a hidden field.
func (v *SectionView) reportHiddenFields(ctx context.Context, h *Hidden) {
	sec := v.form.Procedure.Sections[v.si]
	anyHidden := false
	for fi := range sec.Fields {
		if !visible(v.form.Decision.Field(v.si, fi)) {
			anyHidden = true
			break
		}
	}
	if !anyHidden {
		return
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return
	}
	for _, sel := range h.requested(ctx, fc, sec) {
		if !visible(v.form.Decision.Field(v.si, sel.field)) {
			reportHidden(ctx, sel.alias)
		}
	}
}

// requestedField is a form field a query selects, under its alias.
type requestedField struct {
	alias string
	field int
}

// visible fails closed: only the three showing modes show a value; anything else (HIDDEN, or a
// mode that should not occur here) hides it.
func visible(m access.Mode) bool {
	return m == access.Required || m == access.Modify || m == access.ReadOnly
}

// requested lists the form fields selected under the current section field. The items of a list
// share one selection, so it is collected once per position in the query (its path without list
// indexes), not once per case; aliases and fragments make each position's selection its own.
func (h *Hidden) requested(ctx context.Context, fc *graphql.FieldContext, sec *forms.Section) []requestedField {
	key := positionKey(fc)
	h.mu.Lock()
	defer h.mu.Unlock()
	if got, ok := h.selections[key]; ok {
		return got
	}
	var out []requestedField
	for _, sel := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, []string{sec.TypeName}) {
		if fi := fieldIndex(sec, sel.Name); fi >= 0 {
			out = append(out, requestedField{alias: sel.Alias, field: fi})
		}
	}
	if h.selections == nil {
		h.selections = map[string][]requestedField{}
	}
	h.selections[key] = out
	return out
}

// positionKey is the field's path by aliases only, e.g. "salaryChanges.edges.node.compensation".
func positionKey(fc *graphql.FieldContext) string {
	var parts []string
	for f := fc; f != nil; f = f.Parent {
		if f.Field.Field != nil {
			parts = append(parts, f.Field.Alias)
		}
	}
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

func fieldIndex(sec *forms.Section, name string) int {
	for i, f := range sec.Fields {
		if f.Key == name || strings.EqualFold(f.GoName, name) {
			return i
		}
	}
	return -1
}

// SectionView reads one section's values; a hidden field reads as nil.
type SectionView struct {
	form   *Form
	si     int
	values map[string]any
}

func (v *SectionView) value(fi int) any {
	if !visible(v.form.Decision.Field(v.si, fi)) {
		return nil
	}
	return v.values[v.form.Procedure.Sections[v.si].Fields[fi].Key]
}

// String is the value of field fi as a string (String and Decimal fields).
func (v *SectionView) String(fi int) *string {
	if s, ok := v.value(fi).(string); ok {
		return &s
	}
	return nil
}

// Date is the value of field fi as a date.
func (v *SectionView) Date(fi int) *time.Time {
	s, ok := v.value(fi).(string)
	if !ok {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil
	}
	return &t
}

// Int is the value of field fi as an integer.
func (v *SectionView) Int(fi int) *int {
	f := v.Float(fi)
	if f == nil {
		return nil
	}
	n := int(*f)
	return &n
}

// Float is the value of field fi as a float.
func (v *SectionView) Float(fi int) *float64 {
	switch n := v.value(fi).(type) {
	case float64:
		return &n
	case json.Number:
		f, err := n.Float64()
		if err == nil {
			return &f
		}
	case int64:
		f := float64(n)
		return &f
	}
	return nil
}

// Bool is the value of field fi as a boolean.
func (v *SectionView) Bool(fi int) *bool {
	if b, ok := v.value(fi).(bool); ok {
		return &b
	}
	return nil
}
