package access

// Ref names a user or a group in an access list or ACL.
type Ref struct {
	UserID  string
	GroupID string
}

// StageMode is a stage exception: the mode at one stage, per audience (ModeUnset leaves the base).
type StageMode struct {
	Stage    string
	Internal Mode
	External Mode
}

// Settings are a section's or a field's access settings for one procedure: base modes per audience,
// stage exceptions, and the visibleOnlyFor / modifyOnlyFor lists (empty = not set).
type Settings struct {
	Internal       Mode
	External       Mode
	Exceptions     []StageMode
	VisibleOnlyFor []Ref
	ModifyOnlyFor  []Ref
}

// SectionSettings are a section's settings and its fields'.
type SectionSettings struct {
	Key string
	Settings
	Fields []FieldSettings
}

// FieldSettings are one field's settings.
type FieldSettings struct {
	Key string
	Settings
}

// Grant is a procedure-level grant (grantProcedureAccess): a user or group gets Right on every case.
type Grant struct {
	Ref
	Right Right
}

// Form is what the engine knows of a procedure: its compiled form settings (directive defaults
// with administrators' overrides applied) and its procedure-level facts. Build it with NewForm.
type Form struct {
	Procedure           string
	KeepAccessAfterTask bool
	Sections            []SectionSettings
	Grants              []Grant
	offsets             []int // index of each section's first field among all fields
	fieldCount          int
}

// FieldCount is the number of fields over all sections.
func (f *Form) FieldCount() int { return f.fieldCount }
