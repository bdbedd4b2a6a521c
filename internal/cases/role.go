package cases

import (
	"fmt"
	"io"
	"strconv"

	"github.com/casegate/casegate/internal/apperr"
)

// Role is how a participant takes part in a case.
type Role string

// Participant roles: both give READ; an auditor is expected only to watch.
const (
	Participant Role = "PARTICIPANT"
	Auditor     Role = "AUDITOR"
)

// UnmarshalGQL binds the GraphQL enum ParticipantRole.
func (r *Role) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch Role(s) {
	case Participant, Auditor:
		*r = Role(s)
		return nil
	}
	return fmt.Errorf("%w: %v is not a ParticipantRole", apperr.ErrBadInput, v)
}

// MarshalGQL writes the enum value.
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }
