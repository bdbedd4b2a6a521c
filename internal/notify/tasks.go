package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/settings"
)

// Tasks tells users that work reached them: a case moved to them, a document task assigned to
// them. Nobody is told about work they gave themselves (the mover, whether as the effective or the
// native user), nor the system user. The setting taskNotifications turns them all off, and each
// user may turn off their own (users.notify_tasks, updateMyPreferences). A substitute's copy
// follows the substituted user's choice and the substitution's forward_emails, not the
// substitute's own preference: it is the substituted user's mail, forwarded.
//
// A nil *Tasks sends nothing (services built without it, in tests of other packages).
type Tasks struct {
	Settings *settings.Service
}

// CaseRef names a case in a mail.
type CaseRef struct {
	ID, Title, ProcedureName, Stage string
}

// DocumentRef names a document in a mail.
type DocumentRef struct {
	ID, Title string
}

// CaseMoved tells the assignees of a case's new stage, in tx (the move's transaction).
func (t *Tasks) CaseMoved(ctx context.Context, tx bun.IDB, p *access.Principal, now time.Time, c CaseRef, assignees []string) error {
	if t == nil {
		return nil
	}
	set, to, err := t.recipients(ctx, tx, p, assignees)
	if err != nil || len(to) == 0 {
		return err
	}
	m := Mail{
		Subject: fmt.Sprintf("casegate: case \"%s\" is yours (%s)", c.Title, c.ProcedureName),
		Body: fmt.Sprintf("the case \"%s\" (%s) has moved to stage %s and is now assigned to you. To work on it, open\n\n%s/cases/%s\n",
			c.Title, c.ProcedureName, c.Stage, baseURL(set), c.ID),
	}
	return t.send(ctx, tx, now, set, to, m)
}

// DocumentTaskAssigned tells the assignee of a new document task, in tx (the assignment's
// transaction).
func (t *Tasks) DocumentTaskAssigned(ctx context.Context, tx bun.IDB, p *access.Principal, now time.Time, d DocumentRef, assignee string) error {
	if t == nil {
		return nil
	}
	set, to, err := t.recipients(ctx, tx, p, []string{assignee})
	if err != nil || len(to) == 0 {
		return err
	}
	m := Mail{
		Subject: fmt.Sprintf("casegate: a task on document \"%s\"", d.Title),
		Body: fmt.Sprintf("you have a new task on the document \"%s\". To work on it, open\n\n%s/documents/%s\n",
			d.Title, baseURL(set), d.ID),
	}
	return t.send(ctx, tx, now, set, to, m)
}

// recipients keeps, of users, those to tell: not the system user, not the mover, each once, and
// only those who want task notifications; none when the setting is off.
func (t *Tasks) recipients(ctx context.Context, tx bun.IDB, p *access.Principal, users []string) (settings.Settings, []string, error) {
	set, err := t.Settings.Get(ctx, tx)
	if err != nil || !set.TaskNotifications {
		return set, nil, err
	}
	var ids []string
	for _, id := range users {
		if id == access.SystemUserID || slices.Contains(ids, id) {
			continue
		}
		if p != nil && (id == p.UserID || id == p.NativeUserID) {
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return set, nil, nil
	}
	var want []string
	if err := tx.NewSelect().TableExpr("users").Column("id").Where("id IN (?) AND notify_tasks", bun.In(ids)).
		OrderExpr("id").Scan(ctx, &want); err != nil {
		return set, nil, fmt.Errorf("notify: task preferences: %w", err)
	}
	return set, want, nil
}

func (t *Tasks) send(ctx context.Context, tx bun.IDB, now time.Time, set settings.Settings, to []string, m Mail) error {
	for _, id := range to {
		if err := ToUser(ctx, tx, now, t.Settings.Defaults.TimeZone, id, m); err != nil {
			return err
		}
	}
	return nil
}

func baseURL(set settings.Settings) string { return strings.TrimRight(set.PublicBaseURL, "/") }
