package forms

import "github.com/casegate/casegate/internal/access"

// The views below are what the API shows of a compiled procedure (GraphQL Procedure,
// ProcedureSection, ProcedureField, AccessSettings, StageMode).

// Key is the procedure's key.
func (c *Compiled) Key() string { return c.Procedure.Key }

// TypeName is the GraphQL type of the procedure's cases.
func (c *Compiled) TypeName() string { return c.Procedure.TypeName }

// Name is the procedure's name.
func (c *Compiled) Name() string { return c.Procedure.Name }

// Stages are the procedure's stages in order.
func (c *Compiled) Stages() []string { return c.Procedure.Stages }

// ExternalCreate tells whether guests may create cases of it.
func (c *Compiled) ExternalCreate() bool { return c.Procedure.ExternalCreate }

// KeepAccessAfterTask tells whether past assignees keep READ.
func (c *Compiled) KeepAccessAfterTask() bool { return c.Procedure.KeepAccessAfterTask }

// Grants are the procedure-level grants (none in an outsider's view).
func (c *Compiled) Grants() []access.Grant {
	if c.outsider {
		return nil
	}
	return c.Form.Grants
}

// ForOutsider is the view of the procedure for someone outside the organisation (a temporary-access
// person): no grants, and settings that show only the external audience's modes, in both audiences,
// without the "visible only for" and "modify only for" lists. It is for the API, never for deciding.
func (c *Compiled) ForOutsider() *Compiled {
	v := *c
	v.outsider = true
	return &v
}

// effective is a section's or field's settings as this view shows them.
func (c *Compiled) effective(e Effective) Effective {
	if !c.outsider {
		return e
	}
	out := Effective{Settings: access.Settings{Internal: e.External, External: e.External}}
	for _, x := range e.Exceptions {
		if x.External != access.ModeUnset {
			out.Exceptions = append(out.Exceptions, access.StageMode{Stage: x.Stage, Internal: x.External, External: x.External})
		}
	}
	return out
}

// SectionViews lists the sections with their settings in force.
func (c *Compiled) SectionViews() []SectionView {
	out := make([]SectionView, len(c.Procedure.Sections))
	for i := range out {
		out[i] = SectionView{c: c, si: i}
	}
	return out
}

// SectionView is one section with its settings in force.
type SectionView struct {
	c  *Compiled
	si int
}

// SectionView returns the view of the section with key, or false.
func (c *Compiled) SectionView(key string) (SectionView, bool) {
	_, i := c.Procedure.Section(key)
	return SectionView{c: c, si: i}, i >= 0
}

// FieldView returns the view of "section.field", or false.
func (c *Compiled) FieldView(path string) (FieldView, bool) {
	si, fi, ok := c.Procedure.Field(path)
	return FieldView{c: c, si: si, fi: fi}, ok
}

// Key is the section's key.
func (v SectionView) Key() string { return v.c.Procedure.Sections[v.si].Key }

// Name is the section's name.
func (v SectionView) Name() string { return v.c.Procedure.Sections[v.si].Name }

// Access are the section's settings in force.
func (v SectionView) Access() Effective { return v.c.effective(v.c.Sections[v.si]) }

// Fields lists the section's fields.
func (v SectionView) Fields() []FieldView {
	out := make([]FieldView, len(v.c.Procedure.Sections[v.si].Fields))
	for i := range out {
		out[i] = FieldView{c: v.c, si: v.si, fi: i}
	}
	return out
}

// FieldView is one field with its settings in force.
type FieldView struct {
	c      *Compiled
	si, fi int
}

func (v FieldView) field() *Field { return v.c.Procedure.Sections[v.si].Fields[v.fi] }

// Key is the field's key.
func (v FieldView) Key() string { return v.field().Key }

// Path is "section.field".
func (v FieldView) Path() string { return v.c.Procedure.Sections[v.si].Key + "." + v.field().Key }

// Name is the field's name.
func (v FieldView) Name() string { return v.field().Name }

// Type is the field's type.
func (v FieldView) Type() FieldType { return v.field().Type }

// Access are the field's settings in force.
func (v FieldView) Access() Effective { return v.c.effective(v.c.Fields[v.si][v.fi]) }

// StageExceptions lists the stage exceptions with unset audiences as nil.
func (e Effective) StageExceptions() []StageModeView {
	out := make([]StageModeView, len(e.Exceptions))
	for i, x := range e.Exceptions {
		out[i] = StageModeView{Stage: x.Stage, Internal: optionalMode(x.Internal), External: optionalMode(x.External)}
	}
	return out
}

// StageModeView is a stage exception as the API shows it.
type StageModeView struct {
	Stage    string
	Internal *access.Mode
	External *access.Mode
}

func optionalMode(m access.Mode) *access.Mode {
	if m == access.ModeUnset {
		return nil
	}
	return &m
}
