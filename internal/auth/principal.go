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
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/session"
)

// Authenticate turns a bearer token into the request's principal with one query. A token that is
// unknown, expired, or whose user may no longer log in is UNAUTHENTICATED: expiry is checked here,
// against the clock, on every request, whatever the clean-up job has or has not done.
func (s *Service) Authenticate(ctx context.Context, token string) (*access.Principal, error) {
	return s.load(ctx, s.DB, session.HashToken(token), s.Clock.Now())
}

type principalRow struct {
	SessionID      string          `bun:"session_id"`
	Kind           access.Kind     `bun:"kind"`
	UserID         string          `bun:"user_id"`
	ExpiresAt      time.Time       `bun:"expires_at"`
	Permissions    []string        `bun:"permissions,array"`
	Groups         []string        `bun:"groups,array"`
	PositionRights json.RawMessage `bun:"position_rights"`
	ClientGrants   []string        `bun:"client_grants,array"`
}

// userFacts are the effective user's (alias u) permissions, groups, position and client rights.
const userFacts = `u.id AS user_id, u.permissions,
       ARRAY(SELECT gm.group_id::text FROM group_members gm WHERE gm.user_id = u.id ORDER BY 1) AS groups,
       COALESCE((SELECT json_agg(json_build_object('PositionID', pr.position_id, 'Path', p.path,
                                                   'IncludeSubtree', pr.include_subtree))
                 FROM position_rights pr JOIN positions p ON p.id = pr.position_id
                 WHERE pr.user_id = u.id), '[]') AS position_rights,
       ARRAY(SELECT cg.client_id::text FROM client_grants cg WHERE cg.user_id = u.id ORDER BY 1) AS client_grants`

// The profile's expiry day is compared in the server's time zone, itself a setting.
const principalQuery = `
SELECT s.id AS session_id, s.kind, s.expires_at, ` + userFacts + `
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ? AND s.expires_at > ?
  AND u.status = 'ACTIVE' AND NOT u.is_system
  AND (u.profile_expires_on IS NULL OR u.profile_expires_on >=
       (?::timestamptz AT TIME ZONE COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'timeZone'), ?))::date)`

// load builds the principal of the session whose token hashes to hash, with one query.
func (s *Service) load(ctx context.Context, db bun.IDB, hash []byte, now time.Time) (*access.Principal, error) {
	var r principalRow
	err := db.NewRaw(principalQuery, hash, now, now, s.Settings.Defaults.TimeZone).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("load principal: %w", err)
	}
	return r.principal()
}

func (r *principalRow) principal() (*access.Principal, error) {
	p := &access.Principal{Kind: r.Kind, UserID: r.UserID, NativeUserID: r.UserID, SessionID: r.SessionID,
		SessionExpiresAt: r.ExpiresAt, Groups: r.Groups, ClientGrants: r.ClientGrants}
	for _, perm := range r.Permissions {
		p.Permissions = append(p.Permissions, access.Permission(perm))
	}
	if err := json.Unmarshal(r.PositionRights, &p.PositionRights); err != nil {
		return nil, fmt.Errorf("decode position rights: %w", err)
	}
	return p, nil
}

// PrincipalFor builds the principal a user would have when logged in (for explanations about
// another user); NOT_FOUND when there is no such employee.
func (s *Service) PrincipalFor(ctx context.Context, userID string) (*access.Principal, error) {
	if !database.ValidUUID(userID) {
		return nil, apperr.NotFound("user")
	}
	var r principalRow
	err := s.DB.NewRaw(`SELECT 'INTERNAL' AS kind, `+userFacts+` FROM users u WHERE u.id = ? AND NOT u.is_system`, userID).Scan(ctx, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load principal: %w", err)
	}
	return r.principal()
}
