package attachments

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/cases"
)

// A case's own attachments carry the case's rights, decided by cases.Service: READ to list and
// download, WRITE to add, replace and delete. A temporary-access session also needs its grant to
// open ATTACHMENTS (access.CasePart): without it the case's attachments are an empty list and each
// of them is NOT_FOUND, and adding one is FORBIDDEN. External principals see only the files shared
// with them (access.AttachmentVisible); the others do not exist for them.

// ListOnCase returns the attachments of a case loaded for p, oldest first.
func (s *Service) ListOnCase(ctx context.Context, p *access.Principal, c *cases.Case) ([]Attachment, error) {
	if d := c.Decision(); d == nil || d.Right < access.Read {
		// Not decided for this request (or not readable): ask the case service.
		if err := s.Cases.RequireOn(ctx, s.DB, p, c.ID, access.Read); err != nil {
			return nil, err
		}
	}
	if !access.CasePart(p, access.PartAttachments) {
		return []Attachment{}, nil
	}
	all, err := s.list(ctx, "case_id", c.ID)
	out := all[:0]
	for _, a := range all {
		if access.AttachmentVisible(p, a.VisibleToExternal) {
			a.kase = c
			out = append(out, a)
		}
	}
	return out, err
}

// AddToCase attaches a file to a case. Needs WRITE on the case, and a temporary session's grant
// must open attachments. visible asks to share it with external principals.
func (s *Service) AddToCase(ctx context.Context, p *access.Principal, caseID string, f File, visible *bool) (*Attachment, error) {
	return s.add(ctx, p, owner{onCase: true, caseID: caseID}, f, visible)
}

// Case returns the attachment's case as p sees it; a document's attachment has none (NOT_FOUND).
func (s *Service) Case(ctx context.Context, p *access.Principal, a *Attachment) (*cases.Case, error) {
	if a.kase != nil {
		return a.kase, nil
	}
	if a.CaseID == nil {
		return nil, apperr.NotFound("case")
	}
	return s.Cases.Get(ctx, p, *a.CaseID)
}

// lockCase locks a case inside tx for a write of its attachments: WRITE decided afresh
// (cases.Service.LockFor), and the part open to a temporary session.
func (s *Service) lockCase(ctx context.Context, tx bun.IDB, p *access.Principal, caseID string) (*cases.Case, error) {
	c, err := s.Cases.LockFor(ctx, tx, p, caseID, access.Write)
	if err != nil {
		return nil, err
	}
	if !access.CasePart(p, access.PartAttachments) {
		return nil, apperr.Forbidden("the temporary access grant does not open attachments")
	}
	return c, nil
}
