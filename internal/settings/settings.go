// Package settings holds the non-secret system settings that an administrator may change at run
// time. Their defaults come from the configuration; the database keeps only overrides.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// Settings are the system settings in force.
type Settings struct {
	ExternalFunctionsEnabled       bool   `json:"externalFunctionsEnabled"`
	SubstitutionForExpiredProfiles bool   `json:"substitutionForExpiredProfiles"`
	GuestsSeeCompanyCases          bool   `json:"guestsSeeCompanyCases"`
	TimeZone                       string `json:"timeZone"`
	PublicBaseURL                  string `json:"publicBaseURL"`
	// TemporaryAccessMaxDays bounds a temporary-access grant's window (validUntil - validFrom).
	TemporaryAccessMaxDays int `json:"temporaryAccessMaxDays"`
	// TaskNotifications: users are mailed when a case or document task reaches them (internal/notify).
	// On unless an administrator turns it off; no configuration sets it.
	TaskNotifications bool `json:"taskNotifications"`
	// SubstitutionReminderDays is how many days before a substitution ends its substitute and the
	// substituted user's manager are reminded (0: no reminder).
	SubstitutionReminderDays int `json:"substitutionReminderDays"`

	// Read-only facts about the configuration, from the environment.
	OutgoingMailConfigured bool `json:"-"`
	SMSConfigured          bool `json:"-"`
}

// Bounds of TemporaryAccessMaxDays. The default is a month: long enough for a candidate or a
// client to answer, short enough that a forgotten link does not open a case for a year.
const (
	DefaultTemporaryAccessMaxDays = 30
	MaxTemporaryAccessMaxDays     = 366
)

// Bounds of SubstitutionReminderDays: the day before by default, at most a month ahead.
const (
	DefaultSubstitutionReminderDays = 1
	MaxSubstitutionReminderDays     = 30
)

// TimeZoneSQL is the server's time zone as a SQL expression, for queries that decide by the day
// in one statement: the stored setting, else the configured default, which such a query passes as
// its parameter ?2.
const TimeZoneSQL = `COALESCE((SELECT value #>> '{}' FROM settings WHERE key = 'timeZone'), ?2)`

// ExpiredProfilesSQL is the setting substitutionForExpiredProfiles as a SQL expression (false
// unless stored as true).
const ExpiredProfilesSQL = `COALESCE((SELECT value = 'true'::jsonb FROM settings WHERE key = 'substitutionForExpiredProfiles'), false)`

// GuestsSeeCompanyCasesSQL is the setting guestsSeeCompanyCases as a SQL expression (false unless
// stored as true), read by the principal query: a guest's principal carries it (CompanyCases).
const GuestsSeeCompanyCasesSQL = `COALESCE((SELECT value = 'true'::jsonb FROM settings WHERE key = 'guestsSeeCompanyCases'), false)`

// Location is the server's time zone (valid by construction: Update and config validate it).
func (s Settings) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Input changes the settings that are set.
type Input struct {
	ExternalFunctionsEnabled       *bool
	SubstitutionForExpiredProfiles *bool
	GuestsSeeCompanyCases          *bool
	TimeZone                       *string
	PublicBaseURL                  *string
	TemporaryAccessMaxDays         *int
	TaskNotifications              *bool
	SubstitutionReminderDays       *int
}

type row struct {
	bun.BaseModel `bun:"table:settings,alias:s"`

	Key       string          `bun:"key,pk"`
	Value     json.RawMessage `bun:"value,type:jsonb,notnull"`
	UpdatedAt time.Time       `bun:"updated_at,notnull"`
}

// Service reads and changes settings.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Defaults Settings
}

// Get returns the settings in force: defaults overlaid with the stored overrides.
func (s *Service) Get(ctx context.Context, db bun.IDB) (Settings, error) {
	out := s.Defaults
	out.TaskNotifications = true // the defaults whatever Defaults says: no configuration sets them
	out.SubstitutionReminderDays = DefaultSubstitutionReminderDays
	var rows []row
	if err := db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return out, fmt.Errorf("load settings: %w", err)
	}
	stored := map[string]json.RawMessage{}
	for _, r := range rows {
		stored[r.Key] = r.Value
	}
	b, _ := json.Marshal(stored)
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode settings: %w", err)
	}
	if out.TemporaryAccessMaxDays < 1 || out.TemporaryAccessMaxDays > MaxTemporaryAccessMaxDays {
		out.TemporaryAccessMaxDays = DefaultTemporaryAccessMaxDays // not configured (or stored before the bound)
	}
	if out.SubstitutionReminderDays < 0 || out.SubstitutionReminderDays > MaxSubstitutionReminderDays {
		out.SubstitutionReminderDays = DefaultSubstitutionReminderDays
	}
	return out, nil
}

// Read returns the settings for an employee to see.
func (s *Service) Read(ctx context.Context, p *access.Principal) (Settings, error) {
	if err := access.Internal(p).Err(); err != nil {
		return Settings{}, err
	}
	return s.Get(ctx, s.DB)
}

// Update stores the given settings. Needs ADMIN.
func (s *Service) Update(ctx context.Context, p *access.Principal, in Input) (Settings, error) {
	if err := access.Administer(p).Err(); err != nil {
		return Settings{}, err
	}
	changes, err := in.changes()
	if err != nil {
		return Settings{}, err
	}
	if in.TimeZone != nil {
		if err := CheckTimeZone(ctx, s.DB, *in.TimeZone); err != nil {
			return Settings{}, err
		}
	}
	now := s.Clock.Now()
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var keys []string
		for k, v := range changes {
			b, _ := json.Marshal(v)
			r := &row{Key: k, Value: b, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(r).On("CONFLICT (key) DO UPDATE").
				Set("value = EXCLUDED.value, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "settings.update", Entity: "settings", ChangedFields: keys})
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Get(ctx, s.DB)
}

func (in Input) changes() (map[string]any, error) {
	c := map[string]any{}
	if in.ExternalFunctionsEnabled != nil {
		c["externalFunctionsEnabled"] = *in.ExternalFunctionsEnabled
	}
	if in.SubstitutionForExpiredProfiles != nil {
		c["substitutionForExpiredProfiles"] = *in.SubstitutionForExpiredProfiles
	}
	if in.GuestsSeeCompanyCases != nil {
		c["guestsSeeCompanyCases"] = *in.GuestsSeeCompanyCases
	}
	if in.TimeZone != nil {
		c["timeZone"] = *in.TimeZone // checked against PostgreSQL by Update (CheckTimeZone)
	}
	if in.PublicBaseURL != nil {
		u, err := CheckPublicBaseURL(*in.PublicBaseURL)
		if err != nil {
			return nil, apperr.Input("publicBaseURL", err.Error())
		}
		c["publicBaseURL"] = u
	}
	if in.TemporaryAccessMaxDays != nil {
		if d := *in.TemporaryAccessMaxDays; d < 1 || d > MaxTemporaryAccessMaxDays {
			return nil, apperr.Input("temporaryAccessMaxDays", fmt.Sprintf("must be between 1 and %d", MaxTemporaryAccessMaxDays))
		}
		c["temporaryAccessMaxDays"] = *in.TemporaryAccessMaxDays
	}
	if in.SubstitutionReminderDays != nil {
		if d := *in.SubstitutionReminderDays; d < 0 || d > MaxSubstitutionReminderDays {
			return nil, apperr.Input("substitutionReminderDays", fmt.Sprintf("must be between 0 and %d", MaxSubstitutionReminderDays))
		}
		c["substitutionReminderDays"] = *in.SubstitutionReminderDays
	}
	if in.TaskNotifications != nil {
		c["taskNotifications"] = *in.TaskNotifications
	}
	if len(c) == 0 {
		return nil, apperr.Input("input", "names no setting to change")
	}
	return c, nil
}

// CheckPublicBaseURL checks a public base URL, which links sent by mail start with, and returns it
// without surrounding spaces and trailing slashes. It is the one rule for both updateSettings and
// the configuration's default (CASEGATE_PUBLIC_URL).
func CheckPublicBaseURL(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("must be an http:// or https:// address such as https://cases.example.com, without a query")
	}
	return s, nil
}
