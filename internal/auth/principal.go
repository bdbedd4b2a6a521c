package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/session"
)

// Authenticate turns a bearer token into the request's principal with one query. A token that is
// unknown, expired, or whose user may no longer log in is UNAUTHENTICATED: expiry is checked here,
// against the clock, on every request, whatever the clean-up job has or has not done.
func (s *Service) Authenticate(ctx context.Context, token string) (*access.Principal, error) {
	p, _, err := s.load(ctx, s.DB, session.HashToken(token), s.Clock.Now())
	return p, err
}

// ExpiresAt returns when the caller's session ends.
func (s *Service) ExpiresAt(ctx context.Context, p *access.Principal) (time.Time, error) {
	var at time.Time
	err := s.DB.NewSelect().Model((*session.Session)(nil)).Column("expires_at").Where("id = ?", p.SessionID).Scan(ctx, &at)
	return at, err
}

type principalRow struct {
	SessionID      string          `bun:"session_id"`
	Kind           access.Kind     `bun:"kind"`
	UserID         string          `bun:"user_id"`
	ExpiresAt      time.Time       `bun:"expires_at"`
	Permissions    []string        `bun:"permissions,array"`
	Groups         []string        `bun:"groups,array"`
	PositionRights json.RawMessage `bun:"position_rights"`
}

// The profile's expiry day is compared in the server's time zone, itself a setting.
const principalQuery = `
SELECT s.id AS session_id, s.kind, u.id AS user_id, s.expires_at, u.permissions,
       ARRAY(SELECT gm.group_id::text FROM group_members gm WHERE gm.user_id = u.id ORDER BY 1) AS groups,
       COALESCE((SELECT json_agg(json_build_object('PositionID', pr.position_id, 'Path', p.path,
                                                   'IncludeSubtree', pr.include_subtree))
                 FROM position_rights pr JOIN positions p ON p.id = pr.position_id
                 WHERE pr.user_id = u.id), '[]') AS position_rights
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.expires_at > ?
  AND u.status = 'ACTIVE' AND NOT u.is_system
  AND (u.profile_expires_on IS NULL OR u.profile_expires_on >=
       (?::timestamptz AT TIME ZONE COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'timeZone'), ?))::date)`

func (s *Service) load(ctx context.Context, db bun.IDB, hash []byte, now time.Time) (*access.Principal, time.Time, error) {
	var r principalRow
	err := db.NewRaw(principalQuery, hash, now, now, s.Settings.Defaults.TimeZone).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, apperr.ErrUnauthenticated
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load principal: %w", err)
	}
	p := &access.Principal{Kind: r.Kind, UserID: r.UserID, NativeUserID: r.UserID, SessionID: r.SessionID, Groups: r.Groups}
	for _, perm := range r.Permissions {
		p.Permissions = append(p.Permissions, access.Permission(perm))
	}
	if err := json.Unmarshal(r.PositionRights, &p.PositionRights); err != nil {
		return nil, time.Time{}, fmt.Errorf("decode position rights: %w", err)
	}
	return p, r.ExpiresAt, nil
}
