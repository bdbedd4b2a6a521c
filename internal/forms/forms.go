// Package forms describes procedures: their stages and their forms of sections and fields, with
// the default access modes the schema's directives give them. The registry of the procedures that
// ship is generated from schema/procedures/*.graphqls into internal/procedures; this package holds
// the types, form values and their validation, and the administrators' overrides of the defaults.
package forms

import (
	"io"
	"strconv"

	"fmt"
	"github.com/casegate/casegate/internal/apperr"
	"slices"

	"github.com/casegate/casegate/internal/access"
)

// FieldType is the kind of value a form field holds.
type FieldType string

// Field types, named after their GraphQL scalars.
const (
	String  FieldType = "STRING"
	Decimal FieldType = "DECIMAL"
	Date    FieldType = "DATE"
	Int     FieldType = "INT"
	Float   FieldType = "FLOAT"
	Boolean FieldType = "BOOLEAN"
)

// Field is one field of a section.
type Field struct {
	Key        string
	Name       string
	GoName     string
	Type       FieldType
	Internal   access.Mode
	External   access.Mode
	Exceptions []access.StageMode
}

// Section is one section of a procedure's form.
type Section struct {
	Key        string
	Name       string
	TypeName   string
	Internal   access.Mode
	External   access.Mode
	Exceptions []access.StageMode
	Fields     []*Field
}

// Procedure is a case type: a form and an ordered list of stages.
type Procedure struct {
	Key                 string
	Name                string
	TypeName            string
	Stages              []string
	ExternalCreate      bool
	KeepAccessAfterTask bool
	Sections            []*Section
}

// FirstStage is where a new case starts.
func (p *Procedure) FirstStage() string { return p.Stages[0] }

// LastStage is where a case ends; no one holds a task there.
func (p *Procedure) LastStage() string { return p.Stages[len(p.Stages)-1] }

// HasStage reports whether stage is one of the procedure's stages.
func (p *Procedure) HasStage(stage string) bool { return slices.Contains(p.Stages, stage) }

// Section returns the section with key and its index, or nil.
func (p *Procedure) Section(key string) (*Section, int) {
	for i, s := range p.Sections {
		if s.Key == key {
			return s, i
		}
	}
	return nil, -1
}

// Field finds "section.field" and returns the section and field indexes, or ok false.
func (p *Procedure) Field(path string) (si, fi int, ok bool) {
	for i, s := range p.Sections {
		for j, f := range s.Fields {
			if s.Key+"."+f.Key == path {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// FieldCount is the number of fields over all sections.
func (p *Procedure) FieldCount() int {
	n := 0
	for _, s := range p.Sections {
		n += len(s.Fields)
	}
	return n
}

// Registry holds the procedures by key, in a stable order.
type Registry struct {
	list  []*Procedure
	byKey map[string]*Procedure
}

// NewRegistry builds a registry; it panics on a duplicate key, which the generator already refuses.
func NewRegistry(ps ...*Procedure) *Registry {
	r := &Registry{byKey: map[string]*Procedure{}}
	for _, p := range ps {
		if _, dup := r.byKey[p.Key]; dup {
			panic(fmt.Sprintf("forms: procedure %q registered twice", p.Key))
		}
		r.byKey[p.Key] = p
		r.list = append(r.list, p)
	}
	return r
}

// Get returns the procedure with key, or nil.
func (r *Registry) Get(key string) *Procedure { return r.byKey[key] }

// Lookup returns the procedure with key, NOT_FOUND when there is none.
func (r *Registry) Lookup(key string) (*Procedure, error) {
	if p := r.byKey[key]; p != nil {
		return p, nil
	}
	return nil, apperr.NotFound("procedure")
}

// All returns every procedure in registration order.
func (r *Registry) All() []*Procedure { return r.list }

// UnmarshalGQL binds the GraphQL enum FieldType.
func (t *FieldType) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch FieldType(s) {
	case String, Decimal, Date, Int, Float, Boolean:
		*t = FieldType(s)
		return nil
	}
	return fmt.Errorf("%w: %v is not a FieldType", apperr.ErrBadInput, v)
}

// MarshalGQL writes the enum value.
func (t FieldType) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(t))) }
