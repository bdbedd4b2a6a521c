package access

import (
	"fmt"
	"io"
	"strconv"

	"github.com/casegate/casegate/internal/apperr"
)

// ModeSource says where the mode of an access-matrix cell comes from.
type ModeSource uint8

// Sources, in the order the API lists them.
const (
	// SourceSchema: the base mode the procedure's schema declares.
	SourceSchema ModeSource = iota
	// SourceAdmin: a base mode an administrator set.
	SourceAdmin
	// SourceStageException: a stage exception (the schema's or an administrator's).
	SourceStageException
	// SourceSection: the section decides (the field says AS_SECTION, or the section is hidden).
	SourceSection
)

var sourceNames = [...]string{"SCHEMA", "ADMIN", "STAGE_EXCEPTION", "SECTION"}

func (s ModeSource) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return fmt.Sprintf("ModeSource(%d)", s)
}

// MarshalGQL writes the enum value.
func (s ModeSource) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(s.String())) }

// UnmarshalGQL binds the GraphQL enum ModeSource.
func (s *ModeSource) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	for i, n := range sourceNames {
		if n == str {
			*s = ModeSource(i)
			return nil
		}
	}
	return fmt.Errorf("%w: %v is not a ModeSource", apperr.ErrBadInput, v)
}

// Origin tells which base modes of a section's or field's settings an administrator set; the
// others are the schema's.
type Origin struct{ Internal, External bool }

func (o Origin) of(external bool) bool {
	if external {
		return o.External
	}
	return o.Internal
}

// MatrixCell is one stage × audience of a section's or field's configuration: the configured value
// (a field may say AS_SECTION) and the mode in force for a user the lists do not concern and who
// may write the case, with where that mode comes from.
type MatrixCell struct {
	Stage      string
	External   bool
	Configured Mode
	Mode       Mode
	Source     ModeSource
}

// MatrixRow is a section's (FI -1) or a field's cells: for each stage in order, the internal then
// the external audience.
type MatrixRow struct {
	SI, FI int
	Cells  []MatrixCell
}

// ConfiguredAt is the mode s configures at stage for one audience: a stage exception's when one
// sets that audience (exception true), else the base.
func ConfiguredAt(s *Settings, stage string, external bool) (m Mode, exception bool) {
	for _, e := range s.Exceptions {
		if e.Stage != stage {
			continue
		}
		if m := pick(e.Internal, e.External, external); m != ModeUnset {
			return m, true
		}
	}
	return pick(s.Internal, s.External, external), false
}

// MatrixCells computes a row. For a section pass section nil; for a field pass its section's
// cells, which decide AS_SECTION and hide every field of a hidden section, the same as Decide.
func MatrixCells(stages []string, s *Settings, admin Origin, section []MatrixCell) []MatrixCell {
	out := make([]MatrixCell, 0, 2*len(stages))
	for _, stage := range stages {
		for _, ext := range [2]bool{false, true} {
			m, exception := ConfiguredAt(s, stage, ext)
			c := MatrixCell{Stage: stage, External: ext, Configured: m, Mode: m, Source: SourceSchema}
			switch {
			case exception:
				c.Source = SourceStageException
			case admin.of(ext):
				c.Source = SourceAdmin
			}
			if section != nil {
				sec := section[len(out)].Mode
				if m == AsSection || sec == Hidden {
					c.Mode, c.Source = sec, SourceSection
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// Matrix computes the rows of a whole form in form order: a section's row, then its fields'.
// admin(si, fi) tells which base modes an administrator set (fi -1 for the section).
func Matrix(f *Form, stages []string, admin func(si, fi int) Origin) []MatrixRow {
	rows := make([]MatrixRow, 0, len(f.Sections)+f.fieldCount)
	for si := range f.Sections {
		s := &f.Sections[si]
		sec := MatrixCells(stages, &s.Settings, admin(si, -1), nil)
		rows = append(rows, MatrixRow{SI: si, FI: -1, Cells: sec})
		for fi := range s.Fields {
			rows = append(rows, MatrixRow{SI: si, FI: fi, Cells: MatrixCells(stages, &s.Fields[fi].Settings, admin(si, fi), sec)})
		}
	}
	return rows
}

// AudienceName is the API's name of an audience.
func AudienceName(external bool) string {
	if external {
		return "EXTERNAL"
	}
	return "INTERNAL"
}

// CellName names a matrix cell as "target@stage/AUDIENCE"; stage "" (the base, every stage) is "*".
func CellName(target, stage string, external bool) string {
	if stage == "" {
		stage = "*"
	}
	return target + "@" + stage + "/" + AudienceName(external)
}

// RequiredInHidden names the cells where a field is configured REQUIRED while its section is
// HIDDEN: a value no one can see or enter would be demanded.
func RequiredInHidden(f *Form, rows []MatrixRow) []string {
	var out []string
	var sec []MatrixCell
	for _, r := range rows {
		if r.FI < 0 {
			sec = r.Cells
			continue
		}
		for i, c := range r.Cells {
			if c.Configured == Required && sec[i].Mode == Hidden {
				s := &f.Sections[r.SI]
				out = append(out, CellName(s.Key+"."+s.Fields[r.FI].Key, c.Stage, c.External))
			}
		}
	}
	return out
}

// NewCells lists the names in after that are not in before, in after's order.
func NewCells(before, after []string) []string {
	seen := make(map[string]bool, len(before))
	for _, c := range before {
		seen[c] = true
	}
	var out []string
	for _, c := range after {
		if !seen[c] {
			out = append(out, c)
		}
	}
	return out
}
