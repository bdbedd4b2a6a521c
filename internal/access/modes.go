package access

// Audience decides which set of modes applies: employees and the system see internal modes,
// guests and temporary sessions external ones.
func (p *Principal) External() bool {
	return p.Kind == KindExternal || p.Kind == KindTemporary
}

// NewForm compiles a procedure's settings for the engine.
func NewForm(procedure string, keepAccessAfterTask bool, sections []SectionSettings, grants []Grant) *Form {
	f := &Form{Procedure: procedure, KeepAccessAfterTask: keepAccessAfterTask, Sections: sections, Grants: grants}
	f.offsets = make([]int, len(sections))
	for i, s := range sections {
		f.offsets[i] = f.fieldCount
		f.fieldCount += len(s.Fields)
	}
	return f
}

// CaseDecision is everything access says about one case for one principal: the rights and the
// mode of every section and field. It is computed once per request and case and then looked up.
type CaseDecision struct {
	CaseRights
	form     *Form
	Sections []Mode
	fields   []Mode
}

// Field is the mode of field fi of section si.
func (d *CaseDecision) Field(si, fi int) Mode { return d.fields[d.form.offsets[si]+fi] }

// Form is the compiled form the decision was made on.
func (d *CaseDecision) Form() *Form { return d.form }

// Decide computes a principal's rights on a case and, when it may read the case, the mode of every
// section and field (steps 2–7 of "How a field's mode is resolved" in docs/access.md). Without READ
// every mode is HIDDEN: the case does not exist for the principal.
func Decide(p *Principal, c *Case, f *Form) *CaseDecision {
	d := &CaseDecision{CaseRights: RightsOn(p, c, f), form: f}
	modes := make([]Mode, len(f.Sections)+f.fieldCount)
	d.Sections, d.fields = modes[:len(f.Sections):len(f.Sections)], modes[len(f.Sections):]
	for si := range f.Sections {
		sec := sectionMode(p, c, f, si, d.Right, nil)
		for fi := range f.Sections[si].Fields {
			d.fields[f.offsets[si]+fi] = fieldMode(p, c, f, si, fi, sec, d.Right, nil)
		}
		d.Sections[si] = capToRead(sec, d.Right, nil, where{})
	}
	return d
}

// sectionMode is steps 2–3 (and the read check of step 1) for section si. The write cap (step 7)
// is applied by the caller, after fields have inherited the uncapped mode.
func sectionMode(p *Principal, c *Case, f *Form, si int, right Right, tr *tracer) Mode {
	if right < Read {
		tr.note("CASE", "rights", "NONE", "no rule grants READ: the case does not exist for the principal")
		return Hidden
	}
	s := &f.Sections[si]
	w := where{f: f, si: si, fi: -1}
	m := configured(p, c, s.Key, "", &s.Settings, w, tr)
	return restrict(p, m, &s.Settings, w, tr)
}

// fieldMode is steps 4–7 for field fi of section si, given the section's uncapped mode.
func fieldMode(p *Principal, c *Case, f *Form, si, fi int, sec Mode, right Right, tr *tracer) Mode {
	secWhere, w := where{f: f, si: si, fi: -1}, where{f: f, si: si, fi: fi}
	if sec == Hidden {
		tr.step("SECTION", secWhere, "", Hidden, "a hidden section hides every field in it")
		return Hidden
	}
	s := &f.Sections[si]
	fs := &s.Fields[fi]
	m := configured(p, c, s.Key, fs.Key, &fs.Settings, w, tr)
	if m == AsSection {
		m = sec
		tr.step("FIELD", w, "", m, "AS_SECTION: the section's mode")
	}
	m = restrict(p, m, &s.Settings, secWhere, tr)
	m = restrict(p, m, &fs.Settings, w, tr)
	return capToRead(m, right, tr, w)
}

// configured is the mode before lists: the case override, else the stage exception for the
// principal's audience, else the base for that audience.
func configured(p *Principal, c *Case, section, field string, s *Settings, w where, tr *tracer) Mode {
	for _, o := range c.Overrides {
		if o.Section == section && o.Field == field && o.Mode != ModeUnset {
			tr.step("CASE_OVERRIDE", w, "", o.Mode, "a workflow rule set this mode for this case (setCaseFieldMode)")
			return o.Mode
		}
	}
	ext := p.External()
	m, exception := ConfiguredAt(s, c.Stage, ext)
	if tr != nil {
		if exception {
			tr.step("STAGE_EXCEPTION", w, " at "+c.Stage+" for "+audience(ext), m, "stage exception")
		} else {
			tr.step("BASE", w, " for "+audience(ext), m, "base mode")
		}
	}
	return m
}

func pick(internal, external Mode, ext bool) Mode {
	if ext {
		return external
	}
	return internal
}

func audience(ext bool) string {
	if ext {
		return "external users"
	}
	return "internal users"
}

// restrict applies the visibleOnlyFor / modifyOnlyFor lists (the table in docs/access.md; the first
// column that applies wins).
func restrict(p *Principal, m Mode, s *Settings, w where, tr *tracer) Mode {
	if m == Hidden || len(s.VisibleOnlyFor) == 0 && len(s.ModifyOnlyFor) == 0 {
		return m
	}
	var out Mode
	var rule string
	switch {
	case len(s.ModifyOnlyFor) > 0 && names(p, s.ModifyOnlyFor):
		out, rule = m, "listed in modifyOnlyFor: the mode stays"
	case len(s.VisibleOnlyFor) > 0 && names(p, s.VisibleOnlyFor):
		out, rule = ReadOnly, "listed in visibleOnlyFor (not in modifyOnlyFor): read only"
	case len(s.VisibleOnlyFor) > 0:
		out, rule = Hidden, "visibleOnlyFor is set and does not list the user or its groups: hidden"
	default:
		out, rule = ReadOnly, "modifyOnlyFor is set and does not list the user or its groups: read only"
	}
	tr.step("LISTS", w, "", out, rule)
	return out
}

func names(p *Principal, refs []Ref) bool {
	for _, r := range refs {
		if p.Names(r) {
			return true
		}
	}
	return false
}

func capToRead(m Mode, right Right, tr *tracer, w where) Mode {
	if right < Write && m.Writable() {
		tr.step("WRITE", w, "", ReadOnly, "no WRITE right on the case: required and modify become read only")
		return ReadOnly
	}
	return m
}

// Unrestricted is the decision with enforcement off: MANAGE and every field as configured for
// nobody in particular (MODIFY). Only the enforcement benchmark uses it, to measure what deciding
// costs; nothing a user can reach turns it on.
func Unrestricted(f *Form) *CaseDecision {
	d := &CaseDecision{CaseRights: CaseRights{Right: Manage, GrantedBy: []string{"UNENFORCED"}}, form: f}
	modes := make([]Mode, len(f.Sections)+f.fieldCount)
	for i := range modes {
		modes[i] = Modify
	}
	d.Sections, d.fields = modes[:len(f.Sections):len(f.Sections)], modes[len(f.Sections):]
	return d
}
