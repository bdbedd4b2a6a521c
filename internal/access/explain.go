package access

import (
	"fmt"
	"strings"
)

// Step is one step of an explanation: which layer acted, on which setting, the value it produced,
// and the rule that applied.
type Step struct {
	Layer   string
	Setting string
	Value   string
	Rule    string
}

// Explanation is a field's mode and the ordered steps that produced it.
type Explanation struct {
	Mode  Mode
	Steps []Step
}

// tracer records steps; a nil tracer records nothing, so Decide pays only for nil checks and
// never builds a setting's name.
type tracer struct{ steps []Step }

// where names a section (fi < 0) or a field, formatted only when a step is recorded.
type where struct {
	f      *Form
	si, fi int
}

func (w where) String() string {
	s := w.f.Sections[w.si]
	if w.fi < 0 {
		return "section " + s.Key
	}
	return "field " + s.Key + "." + s.Fields[w.fi].Key
}

func (t *tracer) step(layer string, w where, detail string, m Mode, rule string) {
	if t != nil {
		t.steps = append(t.steps, Step{Layer: layer, Setting: w.String() + detail, Value: m.String(), Rule: rule})
	}
}

func (t *tracer) note(layer, setting, value, rule string) {
	if t != nil {
		t.steps = append(t.steps, Step{Layer: layer, Setting: setting, Value: value, Rule: rule})
	}
}

// Explain runs the same resolution as Decide for one field and records every step.
func Explain(p *Principal, c *Case, f *Form, si, fi int) Explanation {
	tr := &tracer{}
	rights := RightsOn(p, c, f)
	rules := "none"
	if len(rights.GrantedBy) > 0 {
		rules = strings.Join(rights.GrantedBy, ", ")
	}
	tr.note("CASE", "rights", rights.Right.String(), fmt.Sprintf("granted by: %s", rules))
	sec := sectionMode(p, c, f, si, rights.Right, tr)
	m := Hidden
	if rights.Right >= Read {
		m = fieldMode(p, c, f, si, fi, sec, rights.Right, tr)
	}
	return Explanation{Mode: m, Steps: tr.steps}
}
