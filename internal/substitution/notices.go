package substitution

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/notify"
	"github.com/casegate/casegate/internal/settings"
)

// noticeBatch bounds the substitutions one run of the notices job handles; the rest wait a tick.
const noticeBatch = 500

// SendNotices mails, once each, what the substitutions' users are told by the gocron job: when a
// period has begun, both users; when it ends within the setting substitutionReminderDays, the
// substitute and the substituted user's manager, with the one step that extends it. Each
// substitution is handled in its own transaction, so one that fails (and is tried again at the next
// tick) never holds back the others; the failures are returned together.
func (s *Service) SendNotices(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	today := Today(now, set.Location())
	var starts, reminders []string
	if err := s.DB.NewSelect().Model((*Substitution)(nil)).Column("id").
		Where("active AND start_notified_at IS NULL AND date_from <= ?0 AND date_to >= ?0", today).
		OrderExpr("date_from, id").Limit(noticeBatch).Scan(ctx, &starts); err != nil {
		return 0, fmt.Errorf("substitutions to announce: %w", err)
	}
	if days := set.SubstitutionReminderDays; days > 0 {
		// Reminded from the first instant of the day days-1 before dateTo, i.e. at least days
		// whole days before the end, once the period has begun.
		if err := s.DB.NewSelect().Model((*Substitution)(nil)).Column("id").
			Where("active AND reminded_at IS NULL AND date_from <= ?0 AND date_to >= ?0 AND date_to <= ?1", today, today.AddDate(0, 0, days-1)).
			OrderExpr("date_to, id").Limit(noticeBatch).Scan(ctx, &reminders); err != nil {
			return 0, fmt.Errorf("substitutions to remind of: %w", err)
		}
	}
	sent := 0
	var errs []error
	for _, id := range starts {
		if ok, err := s.notice(ctx, id, "start_notified_at", set, now, startNotice); err != nil {
			errs = append(errs, fmt.Errorf("substitution %s: start notice: %w", id, err))
		} else if ok {
			sent++
		}
	}
	for _, id := range reminders {
		if ok, err := s.notice(ctx, id, "reminded_at", set, now, reminder); err != nil {
			errs = append(errs, fmt.Errorf("substitution %s: reminder: %w", id, err))
		} else if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// people are the names and ids a notice speaks of.
type people struct {
	SubstitutedName string  `bun:"substituted_name"`
	SubstituteName  string  `bun:"substitute_name"`
	ManagerID       *string `bun:"manager_id"`
}

// noticeMails writes the mails of one notice into tx.
type noticeMails func(ctx context.Context, tx bun.IDB, sb *Substitution, who people, set settings.Settings, now time.Time) error

// notice sends one kind of notice for substitution id, unless another replica has or it no longer
// applies, and records it in column; false when there was nothing to send.
func (s *Service) notice(ctx context.Context, id, column string, set settings.Settings, now time.Time, mails noticeMails) (bool, error) {
	sent := false
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		sb := new(Substitution)
		err := tx.NewSelect().Model(sb).Where("sb.id = ? AND sb.active AND sb."+column+" IS NULL", id).For("UPDATE SKIP LOCKED").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var who people
		if err := tx.NewRaw(`SELECT su.name AS substituted_name, ss.name AS substitute_name, su.manager_id
			FROM users su, users ss WHERE su.id = ? AND ss.id = ?`, sb.SubstitutedID, sb.SubstituteID).Scan(ctx, &who); err != nil {
			return err
		}
		if err := mails(ctx, tx, sb, who, set, now); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(sb).Set(column+" = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		sent = true
		field := map[string]string{"start_notified_at": "startNotifiedAt", "reminded_at": "remindedAt"}[column]
		return audit.Append(ctx, tx, access.System(), now, audit.Entry{Action: "substitution.notice", Entity: "substitution",
			EntityID: sb.ID, ChangedFields: []string{field}})
	})
	return sent, err
}

// startNotice tells both users that the period has begun. Neither mail is copied to substitutes:
// the substitute has a mail of their own.
func startNotice(ctx context.Context, tx bun.IDB, sb *Substitution, who people, set settings.Settings, now time.Time) error {
	_, end := sb.Period(set.Location())
	period := fmt.Sprintf("from %s to %s (until %s)", day(sb.DateFrom), day(sb.DateTo), end.Format("2006-01-02 15:04 MST"))
	toSubstituted := notify.Mail{Uncopied: true, Subject: "Your substitution has begun: " + who.SubstituteName,
		Body: fmt.Sprintf("%s substitutes you %s and works with your rights meanwhile.\n", who.SubstituteName, period)}
	if sb.ForwardEmails {
		toSubstituted.Body += "Copies of the mails you receive from casegate go to them too.\n"
	}
	toSubstitute := notify.Mail{Uncopied: true, Subject: "You substitute " + who.SubstitutedName,
		Body: fmt.Sprintf("You substitute %s %s. To work with their rights, start the substitution "+
			"(startSubstitution, id %s; it is listed in me.availableSubstitutions): %s\n",
			who.SubstitutedName, period, sb.ID, link(set, sb.ID))}
	if err := notify.ToUser(ctx, tx, now, set.TimeZone, sb.SubstitutedID, toSubstituted); err != nil {
		return err
	}
	return notify.ToUser(ctx, tx, now, set.TimeZone, sb.SubstituteID, toSubstitute)
}

// reminder tells the substitute and the substituted user's manager that the period ends soon, and
// how to extend it in one step (by someone who manages the substituted user's substitutions).
func reminder(ctx context.Context, tx bun.IDB, sb *Substitution, who people, set settings.Settings, now time.Time) error {
	_, end := sb.Period(set.Location())
	suggested := day(sb.DateTo.AddDate(0, 0, 7))
	m := notify.Mail{Uncopied: true, Subject: fmt.Sprintf("Substitution of %s ends on %s", who.SubstitutedName, day(sb.DateTo)),
		Body: fmt.Sprintf("%s substitutes %s until %s (%s).\n\nTo extend it, someone who manages %s's substitutions "+
			"(their manager, for one) sends:\n\n  mutation { extendSubstitution(id: \"%s\", dateTo: \"%s\") { dateTo } }\n\n"+
			"with the new last day, or opens %s\n",
			who.SubstituteName, who.SubstitutedName, day(sb.DateTo), end.Format("2006-01-02 15:04 MST"), who.SubstitutedName,
			sb.ID, suggested, link(set, sb.ID))}
	if err := notify.ToUser(ctx, tx, now, set.TimeZone, sb.SubstituteID, m); err != nil {
		return err
	}
	if who.ManagerID != nil && *who.ManagerID != sb.SubstituteID {
		return notify.ToUser(ctx, tx, now, set.TimeZone, *who.ManagerID, m)
	}
	return nil
}

func day(d time.Time) string { return d.Format(time.DateOnly) }

// link is where a frontend shows the substitution: the public base URL and its id.
func link(set settings.Settings, id string) string {
	return strings.TrimRight(set.PublicBaseURL, "/") + "/substitutions/" + id
}
