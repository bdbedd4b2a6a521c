package access

// HiddenFields returns the paths ("section.field") of the fields d hides from its principal, and
// the keys of the sections it hides, in form order. A case's history uses them to show a reader
// only the changes it could read.
func (d *CaseDecision) HiddenFields() (fields, sections []string) {
	for si := range d.form.Sections {
		s := &d.form.Sections[si]
		if d.Sections[si] == Hidden {
			sections = append(sections, s.Key)
		}
		for fi := range s.Fields {
			if d.Field(si, fi) == Hidden {
				fields = append(fields, s.Key+"."+s.Fields[fi].Key)
			}
		}
	}
	return fields, sections
}
