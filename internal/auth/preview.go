package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/settings"
)

// PreviewHeader names the request header that asks to run a request as another user, read-only.
const PreviewHeader = "X-Casegate-Preview-As"

// previewRow is a user's facts as the principal query would load them, with what decides whether
// the user may be previewed.
type previewRow struct {
	principalRow
	IsSystem bool `bun:"is_system"`
	Active   bool `bun:"active"`
}

// previewSQL loads the user ?0 at the time ?1 (the server's time zone ?2): their facts, and whether
// they may log in now, in the principal query's terms (status and profile expiry).
const previewSQL = `SELECT 'INTERNAL' AS kind, ` + userFacts + `, u.contact_id, u.is_system,
       (u.status = 'ACTIVE' AND (u.profile_expires_on IS NULL
         OR u.profile_expires_on >= (?1::timestamptz AT TIME ZONE ` + settings.TimeZoneSQL + `)::date)) AS active
FROM users u WHERE u.id = ?0`

// Preview is the principal of the user userID as seen by viewer through the preview header or a
// preview session: the user's own principal, as if they had logged in, marked read-only
// (PreviewBy). operation names the GraphQL operation, for the audit log.
//
// Whether viewer may preview at all is decided before the user is looked up (a caller who may not
// learns nothing about ids); an id that is no UUID is BAD_USER_INPUT, an unknown user NOT_FOUND.
// Every preview is audited (action user.preview, by viewer, of the user, naming the operation) in
// a transaction of its own before the request runs; when that fails the request does not run.
func (s *Service) Preview(ctx context.Context, viewer *access.Principal, userID, operation string) (*access.Principal, error) {
	now := s.now()
	p, err := s.previewed(ctx, s.DB, viewer, userID, PreviewHeader, now)
	if err != nil {
		return nil, err
	}
	entry := audit.Entry{Action: "user.preview", Entity: "user", EntityID: p.UserID}
	if operation != "" {
		entry.ChangedFields = []string{"operation:" + operation}
	}
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return audit.Append(ctx, tx, viewer, now, entry)
	})
	if err != nil {
		return nil, fmt.Errorf("audit preview: %w", err)
	}
	return p, nil
}

// previewed decides whether viewer may preview the user userID at now (access.Preview, the
// refusals in PreviewErr's words) and builds that user's principal, marked as previewed by
// viewer. field names where the id came from, for BAD_USER_INPUT.
func (s *Service) previewed(ctx context.Context, db bun.IDB, viewer *access.Principal, userID, field string, now time.Time) (*access.Principal, error) {
	if err := access.PreviewErr(access.MayPreview(viewer)); err != nil {
		return nil, err
	}
	if !database.ValidUUID(userID) {
		return nil, apperr.Input(field, "must be the id (a UUID) of the user to preview as")
	}
	var r previewRow
	err := db.NewRaw(previewSQL, userID, now, s.Settings.Defaults.TimeZone).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load previewed user: %w", err)
	}
	t := access.PreviewTarget{UserID: r.UserID, Kind: access.KindInternal, Active: r.Active,
		Admin: slices.Contains(r.Permissions, string(access.PermAdmin))}
	switch {
	case r.IsSystem:
		t.Kind = access.KindSystem
	case r.ContactID != "":
		t.Kind = access.KindExternal
	}
	if err := access.PreviewErr(access.Preview(viewer, t)); err != nil {
		return nil, err
	}
	p, err := r.principal(now)
	if err != nil {
		return nil, err
	}
	p.PreviewBy = viewer.UserID
	p.SettingsVersion = viewer.SettingsVersion // read at this request's start, for everyone
	return p, nil
}
