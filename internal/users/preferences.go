package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// Preferences are a person's own choices about how casegate treats them.
type Preferences struct {
	// TaskNotifications: mail me when a case or a document task reaches me (users.notify_tasks).
	TaskNotifications bool `bun:"notify_tasks"`
}

// PreferencesInput changes the preferences that are set.
type PreferencesInput struct {
	TaskNotifications *bool
}

// MyPreferences returns the preferences of p's native user, or nil for a principal without one
// (guests, temporary sessions, the system user). They are the native user's: while substituting,
// a person sees their own.
func (s *Service) MyPreferences(ctx context.Context, p *access.Principal) (*Preferences, error) {
	if !access.OwnPreferences(p).Allowed {
		return nil, nil
	}
	out := new(Preferences)
	err := s.DB.NewSelect().Model((*User)(nil)).Column("notify_tasks").Where("id = ?", p.NativeUserID).Scan(ctx, out)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load preferences: %w", err)
	}
	return out, nil
}

// UpdateMyPreferences changes the preferences of p's native user, the person really logged in:
// while substituting, one changes one's own, never the substituted user's. Audited (user.preferences)
// in the same transaction.
func (s *Service) UpdateMyPreferences(ctx context.Context, p *access.Principal, in PreferencesInput) (*Preferences, error) {
	if err := access.OwnPreferences(p).Err(); err != nil {
		return nil, err
	}
	var changed []string
	set := func(q *bun.UpdateQuery) *bun.UpdateQuery {
		if in.TaskNotifications != nil {
			q = q.Set("notify_tasks = ?", *in.TaskNotifications)
		}
		return q
	}
	if in.TaskNotifications != nil {
		changed = append(changed, "taskNotifications")
	}
	if len(changed) == 0 {
		return nil, apperr.Input("input", "names no preference to change")
	}
	now := s.Clock.Now()
	out := new(Preferences)
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewUpdate().Model((*User)(nil)).Apply(set).
			Set("updated_at = ?", now).Where("id = ?", p.NativeUserID).Returning("notify_tasks").Scan(ctx, out)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("user")
		}
		if err != nil {
			return fmt.Errorf("update preferences: %w", err)
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "user.preferences", Entity: "user", EntityID: p.NativeUserID,
			ChangedFields: changed})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
