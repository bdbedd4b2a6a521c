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
	"github.com/casegate/casegate/internal/settings"
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
	NativeUserID   string          `bun:"native_user_id"`
	SubstitutionID string          `bun:"substitution_id"`
	ContactID      string          `bun:"contact_id"`
	CompanyID      string          `bun:"company_id"`
	ExpiresAt      time.Time       `bun:"expires_at"`
	Permissions    []string        `bun:"permissions,array"`
	Groups         []string        `bun:"groups,array"`
	PositionRights json.RawMessage `bun:"position_rights"`
	ClientGrants   []string        `bun:"client_grants,array"`
	Temporary      json.RawMessage `bun:"temporary"`
	CompanyCases   bool            `bun:"company_cases"`
	Settings       int64           `bun:"settings_version"`
	PreviewOf      string          `bun:"preview_of"`
}

// userFacts are the effective user's (alias u) permissions, groups, position and client rights. The
// groups, rights and grants are kept on the user's row by triggers in the same transaction as any
// change to them (migration user_facts), so reading them here is as fresh as the sub-selects it
// replaces, at a fraction of the cost on a query that runs on every request.
const userFacts = `u.id AS user_id, u.permissions, u.fact_groups AS groups,
       u.fact_position_rights AS position_rights, u.fact_client_grants AS client_grants`

// grantFacts are a temporary-access grant's (alias g) case, stages, window and parts, as the JSON
// of access.TemporaryAccess. The window's end is capped at database.MaxTime: Go cannot decode a
// later year, and a grant stored before windows were bounded must not fail its person's every
// request (the window is open here, so its start is in range).
const grantFacts = `json_build_object('GrantID', g.id, 'CaseID', g.case_id, 'Email', g.email,
       'Name', concat_ws(' ', g.first_name, g.last_name), 'Stages', g.stages, 'Moves', g.allowed_moves,
       'Parts', g.allowed_actions, 'ValidFrom', g.valid_from,
       'ValidUntil', LEAST(g.valid_until, ?3::timestamptz),
       'GrantedBy', COALESCE(g.granted_by::text, ''))`

// principalSQL finds the session whose key column equals ?0 at ?1. The native user (n) is who
// logged in, and must still be allowed to; the effective user (u) is the substituted user while the
// session's substitution is in force at this very moment, else the native user, so that the end of a
// period or the deactivation of the substitution or of either user ends substitution mode on the
// next request, whatever the jobs have or have not done. The profile's expiry day is compared in the
// server's time zone. A temporary session has no user: it stands for its grant, which must be
// neither revoked nor outside its window. A preview session's row is the previewer's (n = u), with
// the user it shows as preview_of; whether that preview may still run is decided per operation.
func principalSQL(key string) string {
	return `
SELECT s.id AS session_id, s.kind, s.expires_at, n.id AS native_user_id, sub.id AS substitution_id, ` + userFacts + `,
       n.contact_id, (SELECT cl.company_id FROM clients cl WHERE cl.id = n.contact_id) AS company_id, NULL::json AS temporary,
       (n.contact_id IS NOT NULL AND ` + settings.GuestsSeeCompanyCasesSQL + `) AS company_cases,
       ` + settingsVersion + ` AS settings_version, s.preview_user_id AS preview_of
FROM sessions s
JOIN users n ON n.id = s.user_id
LEFT JOIN LATERAL (
  SELECT sb.id, sb.substituted_id FROM substitutions sb
  JOIN users su ON su.id = sb.substituted_id
  JOIN users ss ON ss.id = sb.substitute_id
  WHERE sb.id = s.substitution_id AND sb.substitute_id = s.user_id
    AND ` + access.SubstitutionInForceSQL("?1::timestamptz", settings.TimeZoneSQL, settings.ExpiredProfilesSQL) + `) sub ON true
JOIN users u ON u.id = COALESCE(sub.substituted_id, n.id)
WHERE s.` + key + ` = ?0 AND s.expires_at > ?1 AND s.kind <> 'TEMPORARY'
  AND n.status = 'ACTIVE' AND NOT n.is_system
  AND (s.kind = 'EXTERNAL') = (n.contact_id IS NOT NULL)
  AND (n.profile_expires_on IS NULL OR n.profile_expires_on >= (?1::timestamptz AT TIME ZONE ` + settings.TimeZoneSQL + `)::date)
UNION ALL
SELECT s.id, s.kind, s.expires_at, NULL::uuid, NULL::uuid, NULL::uuid, '{}'::text[], '{}'::text[], '[]'::jsonb, '{}'::text[],
       NULL::uuid, NULL::uuid, ` + grantFacts + `, false, ` + settingsVersion + `, NULL::uuid
FROM sessions s
JOIN temporary_access_grants g ON g.id = s.grant_id
WHERE s.` + key + ` = ?0 AND s.expires_at > ?1 AND s.kind = 'TEMPORARY'
  AND g.revoked_at IS NULL AND g.valid_from <= ?1 AND g.valid_until > ?1`
}

// principalParams are the types of the principal query's parameters: the token's hash or the
// session's id, the time, the server's time zone and database.MaxTime.
const principalParams = "bytea, timestamptz, text, timestamptz"

// settingsVersion is the version of the procedures' settings (forms.SettingsCache), read with the
// principal so that settings compiled at it are proven fresh for the request at no extra round trip.
const settingsVersion = `(SELECT version FROM procedure_settings_version)`

var (
	// principalByToken runs on every request: prepared once per connection, it is planned once.
	principalByToken   = database.Prepare("casegate_principal", principalParams, principalSQL("token_hash"))
	principalBySession = principalSQL("id")
)

// load builds the principal of the session whose token hashes to hash, with one query.
func (s *Service) load(ctx context.Context, db bun.IDB, hash []byte, now time.Time) (*access.Principal, error) {
	var r principalRow
	err := principalByToken.Scan(ctx, db, []any{hash, now, s.Settings.Defaults.TimeZone, database.MaxTime}, &r)
	return r.build(err, now)
}

// Reload builds again, inside tx, the principal of the session sessionID at the time at (after a
// change to the session itself: a substitution started or ended, decided at that same time).
func (s *Service) Reload(ctx context.Context, tx bun.IDB, sessionID string, at time.Time) (*access.Principal, error) {
	return s.loadBy(ctx, tx, principalBySession, sessionID, at)
}

func (s *Service) loadBy(ctx context.Context, db bun.IDB, query string, key any, now time.Time) (*access.Principal, error) {
	var r principalRow
	err := db.NewRaw(query, key, now, s.Settings.Defaults.TimeZone, database.MaxTime).Scan(ctx, &r)
	return r.build(err, now)
}

// build is the principal of a row the principal query scanned with err.
func (r *principalRow) build(err error, now time.Time) (*access.Principal, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("load principal: %w", err)
	}
	return r.principal(now)
}

// LoadSession builds the principal of a session just opened inside tx (a temporary-access
// session, opened by the tempaccess package).
func (s *Service) LoadSession(ctx context.Context, tx bun.IDB, tokenHash []byte) (*access.Principal, error) {
	return s.load(ctx, tx, tokenHash, s.Clock.Now())
}

func (r *principalRow) principal(now time.Time) (*access.Principal, error) {
	p := &access.Principal{Kind: r.Kind, UserID: r.UserID, NativeUserID: r.NativeUserID, SubstitutionID: r.SubstitutionID,
		ContactID: r.ContactID, CompanyID: r.CompanyID, SessionID: r.SessionID, SessionExpiresAt: r.ExpiresAt, Groups: r.Groups, ClientGrants: r.ClientGrants,
		CompanyCases: r.CompanyCases, At: now, SettingsVersion: r.Settings, PreviewOf: r.PreviewOf}
	if p.NativeUserID == "" {
		p.NativeUserID = p.UserID // PrincipalFor: the user as if logged in
	}
	for _, perm := range r.Permissions {
		p.Permissions = append(p.Permissions, access.Permission(perm))
	}
	if err := json.Unmarshal(r.PositionRights, &p.PositionRights); err != nil {
		return nil, fmt.Errorf("decode position rights: %w", err)
	}
	if len(r.Temporary) > 0 && string(r.Temporary) != "null" {
		p.Temporary = new(access.TemporaryAccess)
		if err := json.Unmarshal(r.Temporary, p.Temporary); err != nil {
			return nil, fmt.Errorf("decode temporary grant: %w", err)
		}
		p.GrantID = p.Temporary.GrantID
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
	return r.principal(s.now())
}

// now is the service's clock, or the real one when none is set (tools and tests that build the
// service only for PrincipalFor).
func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
