package auth

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/session"
)

// PreviewUserField is the argument of startPreview that names the user, for BAD_USER_INPUT.
const PreviewUserField = "userId"

// StartPreview opens a preview session (startPreview): a token of its own, owned by viewer, whose
// requests run as the user userID, read-only, exactly as under the preview header; the server
// decides each of them again (Preview). The rules and refusals are the header's (previewed). The
// session ends after access.PreviewSessionLife, with the session that started it (logout ends
// both), or by endPreview. The start is audited (preview.start, by viewer, of the user, naming
// the new session) in the transaction that creates the session.
func (s *Service) StartPreview(ctx context.Context, viewer *access.Principal, userID, clientAddr string) (*Result, error) {
	now := s.now()
	var res *Result
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.previewed(ctx, tx, viewer, userID, PreviewUserField, now)
		if err != nil {
			return err
		}
		if viewer.SessionID == "" { // a preview lives within the session that starts it
			return apperr.ErrUnauthenticated
		}
		token, hash := session.NewToken()
		sess := &session.Session{TokenHash: hash, Kind: access.KindInternal, UserID: &viewer.NativeUserID,
			PreviewUserID: &p.UserID, PreviewParentID: &viewer.SessionID, ClientAddr: clientAddr,
			CreatedAt: now, ExpiresAt: access.PreviewSessionExpiry(viewer, now)}
		if err := session.Create(ctx, tx, sess); err != nil {
			return err
		}
		entry := audit.Entry{Action: "preview.start", Entity: "user", EntityID: p.UserID, ChangedFields: []string{"session:" + sess.ID}}
		if err := audit.Append(ctx, tx, viewer, now, entry); err != nil {
			return err
		}
		p.SessionID, p.SessionExpiresAt = sess.ID, sess.ExpiresAt
		res = &Result{Token: token, ExpiresAt: sess.ExpiresAt, Principal: p}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// EndPreview ends the preview session whose token p is (endPreview, or logout in one), written as
// the one previewing (preview.end) whatever has become of the rules since: a preview can always be
// ended. Outside a preview session it changes nothing, writes nothing and answers false.
func (s *Service) EndPreview(ctx context.Context, p *access.Principal) (bool, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return false, err
	}
	if !p.InPreviewSession() {
		return false, nil
	}
	viewer := p.Previewer()
	ended := false
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*session.Session)(nil)).
			Where("id = ? AND preview_user_id = ?", p.SessionID, p.PreviewOf).Exec(ctx)
		if err != nil {
			return fmt.Errorf("end preview: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // ended meanwhile, by another request
		}
		ended = true
		return audit.Append(ctx, tx, viewer, s.now(), audit.Entry{Action: "preview.end", Entity: "user",
			EntityID: p.PreviewOf, ChangedFields: []string{"session:" + p.SessionID}})
	})
	return ended, err
}
