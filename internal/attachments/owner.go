package attachments

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/documents"
)

// owner is what an attachment belongs to: a case when onCase, else a document. It is named by id
// until a write locks it and decides p's rights on it.
type owner struct {
	onCase             bool
	documentID, caseID string
	doc                *documents.Document
	kase               *cases.Case
}

// ownerOf is the owner a stored attachment names.
func ownerOf(a *Attachment) owner {
	return owner{onCase: a.CaseID != nil, documentID: deref(a.DocumentID), caseID: deref(a.CaseID)}
}

// column is the attachments column that names the owner.
func (o owner) column() string {
	if o.onCase {
		return "case_id"
	}
	return "document_id"
}

// field is the owner's input name, as audit records list it.
func (o owner) field() string {
	if o.onCase {
		return "caseId"
	}
	return "documentId"
}

// id is the owner's id.
func (o owner) id() string {
	if o.onCase {
		return o.caseID
	}
	return o.documentID
}

// give sets the loaded owner on a, so that its document or case resolves without another load.
func (o owner) give(a *Attachment) { a.doc, a.kase = o.doc, o.kase }

// lock locks o inside tx and decides p's WRITE on it afresh; the ids become the stored ones.
func (s *Service) lock(ctx context.Context, tx bun.IDB, p *access.Principal, o owner) (owner, error) {
	if o.onCase {
		c, err := s.lockCase(ctx, tx, p, o.caseID)
		if err != nil {
			return o, err
		}
		return owner{onCase: true, caseID: c.ID, kase: c}, nil
	}
	d, err := s.Documents.LockFor(ctx, tx, p, o.documentID, access.Write)
	if err != nil {
		return o, err
	}
	return owner{documentID: d.ID, doc: d}, nil
}

// reach loads an attachment's metadata for an operation by its id. A case's attachment is
// NOT_FOUND for a session whose grant does not open attachments, and any attachment not shared with
// external principals is NOT_FOUND for them (a guest's document's too); whether p may read the owner is
// decided next, by the owner's service.
func (s *Service) reach(ctx context.Context, p *access.Principal, id string) (*Attachment, error) {
	a, err := s.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.CaseID != nil && !access.CasePart(p, access.PartAttachments) || !access.AttachmentVisible(p, a.VisibleToExternal) {
		return nil, apperr.NotFound("attachment")
	}
	return a, nil
}

// mayChange refuses a replace or delete that access.MayChangeAttachment does not allow (an
// outsider and a file it did not add).
func mayChange(p *access.Principal, a *Attachment) error {
	if !access.MayChangeAttachment(p, deref(a.GrantID), deref(a.CreatedByID)) {
		return apperr.Forbidden("an outsider may replace or delete only the files it added")
	}
	return nil
}

// hideOwner turns NOT_FOUND of an attachment's owner into the attachment's own: for a caller who
// may not read the owner the attachment does not exist, and the message must not say otherwise.
func hideOwner(err error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		return apperr.NotFound("attachment")
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
