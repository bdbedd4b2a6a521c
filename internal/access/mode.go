package access

import (
	"fmt"
	"io"
	"strconv"

	"github.com/casegate/casegate/internal/apperr"
)

// Mode is the access mode of a section or field. The zero value means "not set".
type Mode uint8

// Modes, from most to least open. AsSection is for fields only: take the section's mode.
const (
	ModeUnset Mode = iota
	Required
	Modify
	ReadOnly
	Hidden
	AsSection
)

var modeNames = [...]string{"", "REQUIRED", "MODIFY", "READ_ONLY", "HIDDEN", "AS_SECTION"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", m)
}

// ParseMode reads a mode's name; "" is ModeUnset.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return ModeUnset, fmt.Errorf("%w: %q is not a FieldMode", apperr.ErrBadInput, s)
}

// Writable reports whether a value may be set in this mode.
func (m Mode) Writable() bool { return m == Required || m == Modify }

// UnmarshalGQL binds the GraphQL enum FieldMode.
func (m *Mode) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	mode, err := ParseMode(s)
	if err != nil || mode == ModeUnset {
		return fmt.Errorf("%w: %v is not a FieldMode", apperr.ErrBadInput, v)
	}
	*m = mode
	return nil
}

// MarshalGQL writes the enum value.
func (m Mode) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(m.String())) }

// MarshalText stores modes by name (JSON settings, explanations).
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mode by name.
func (m *Mode) UnmarshalText(b []byte) error {
	mode, err := ParseMode(string(b))
	*m = mode
	return err
}

// Right is a right on a case or document; each implies the ones below it.
type Right uint8

// Rights, in order: MANAGE implies WRITE implies READ.
const (
	NoRight Right = iota
	Read
	Write
	Manage
)

var rightNames = [...]string{"NONE", "READ", "WRITE", "MANAGE"}

func (r Right) String() string {
	if int(r) < len(rightNames) {
		return rightNames[r]
	}
	return fmt.Sprintf("Right(%d)", r)
}

// Implied lists r and every right it implies, from READ up.
func (r Right) Implied() []Right {
	out := make([]Right, 0, 3)
	for x := Read; x <= r && x <= Manage; x++ {
		out = append(out, x)
	}
	return out
}

// ParseRight reads a right's name.
func ParseRight(s string) (Right, error) {
	for i, n := range rightNames[1:] {
		if n == s {
			return Right(i + 1), nil
		}
	}
	return NoRight, fmt.Errorf("%w: %q is not a Right", apperr.ErrBadInput, s)
}

// UnmarshalGQL binds the GraphQL enum Right.
func (r *Right) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	right, err := ParseRight(s)
	*r = right
	return err
}

// MarshalGQL writes the enum value.
func (r Right) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(r.String())) }
