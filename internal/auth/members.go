package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/settings"
)

// Principals builds the principals that the users ids would have when logged in as themselves at
// at: an employee's INTERNAL one, a guest account's EXTERNAL one (its contact, the contact's
// company and the setting guestsSeeCompanyCases), keyed by user id. It is for deciding about many
// people at once, such as the members of a page of a case's audience; unknown ids are left out.
func (s *Service) Principals(ctx context.Context, db bun.IDB, ids []string, at time.Time) (map[string]*access.Principal, error) {
	out := map[string]*access.Principal{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []principalRow
	err := db.NewRaw(`SELECT CASE WHEN u.contact_id IS NULL THEN 'INTERNAL' ELSE 'EXTERNAL' END AS kind, `+userFacts+`,
       u.id AS native_user_id, u.contact_id, (SELECT cl.company_id FROM clients cl WHERE cl.id = u.contact_id) AS company_id,
       (u.contact_id IS NOT NULL AND `+settings.GuestsSeeCompanyCasesSQL+`) AS company_cases
FROM users u WHERE u.id = ANY(?::uuid[]) AND NOT u.is_system`, pgdialect.Array(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load principals: %w", err)
	}
	for i := range rows {
		p, err := rows[i].principal(at)
		if err != nil {
			return nil, err
		}
		out[p.UserID] = p
	}
	return out, nil
}

// Today is the server's calendar day at at (the setting timeZone, else the configured default), the
// day a profile's expiry is compared with.
func (s *Service) Today(ctx context.Context, db bun.IDB, at time.Time) (time.Time, error) {
	zone := "UTC"
	if s.Settings != nil && s.Settings.Defaults.TimeZone != "" {
		zone = s.Settings.Defaults.TimeZone
	}
	var day time.Time
	err := db.NewRaw(`SELECT (?::timestamptz AT TIME ZONE COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'timeZone'), ?))::date`,
		at, zone).Scan(ctx, &day)
	if err != nil {
		return time.Time{}, fmt.Errorf("today: %w", err)
	}
	return day, nil
}

// TemporaryPrincipals builds the TEMPORARY principals that the grants ids would give their people
// at at, keyed by grant id, from the same facts as a temporary session's principal (grantFacts, the
// window's end capped as there); unknown ids are left out.
func (s *Service) TemporaryPrincipals(ctx context.Context, db bun.IDB, ids []string, at time.Time) (map[string]*access.Principal, error) {
	out := map[string]*access.Principal{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []principalRow
	err := db.NewRaw(`SELECT 'TEMPORARY' AS kind, '[]'::jsonb AS position_rights, `+grantFacts+` AS temporary
FROM temporary_access_grants g WHERE g.id = ANY(?0::uuid[])`, pgdialect.Array(ids), nil, nil, database.MaxTime).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load temporary principals: %w", err)
	}
	for i := range rows {
		p, err := rows[i].principal(at)
		if err != nil {
			return nil, err
		}
		out[p.GrantID] = p
	}
	return out, nil
}
