package cases

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
)

// Creatable is a procedure the caller may create cases of, with the caller's decision on a new
// case of it at its first stage: what a create form shows.
type Creatable struct {
	Procedure *forms.Procedure
	Decision  *access.CaseDecision
}

// Creatable lists the procedures p may create cases of (access.CreateCase), each decided on the
// case p would create (access.NewCase) with the procedure's settings in force. A temporary-access
// session may create none: FORBIDDEN.
func (s *Service) Creatable(ctx context.Context, p *access.Principal) ([]Creatable, error) {
	if err := access.CreateCases(p).Err(); err != nil {
		return nil, err
	}
	var out []Creatable
	for _, proc := range s.Registry.All() {
		if !access.CreateCase(p, proc.ExternalCreate).Allowed {
			continue
		}
		comp, err := s.compiled(ctx, s.DB, p, proc)
		if err != nil {
			return nil, err
		}
		out = append(out, Creatable{Procedure: proc, Decision: access.Decide(p, access.NewCase(p, proc.FirstStage()), comp.Form)})
	}
	return out, nil
}
