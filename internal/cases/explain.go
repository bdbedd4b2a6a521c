package cases

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
)

// Explain says how a field's mode comes about for a user (the caller when userID is empty). The
// caller must be able to read the case; asking about another user needs ADMIN. Explanations name
// groups and settings, internals guests and temporary sessions are not shown (FORBIDDEN).
func (s *Service) Explain(ctx context.Context, p *access.Principal, caseID, field, userID string) (access.Explanation, error) {
	if err := access.Internal(p).Err(); err != nil {
		return access.Explanation{}, err
	}
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return access.Explanation{}, err
	}
	proc, err := s.procedure(c.Procedure)
	if err != nil {
		return access.Explanation{}, err
	}
	si, fi, ok := proc.Field(field)
	if !ok {
		return access.Explanation{}, apperr.Input("field", "no such field (write it as section.field)")
	}
	who := p
	if userID != "" && userID != p.UserID {
		if err := access.Administer(p).Err(); err != nil {
			return access.Explanation{}, err
		}
		if who, err = s.Principal(ctx, userID); err != nil {
			return access.Explanation{}, err
		}
	}
	comp, err := s.compiled(ctx, s.DB, p, proc)
	if err != nil {
		return access.Explanation{}, err
	}
	return access.Explain(who, c.Facts(), comp.Form, si, fi), nil
}
