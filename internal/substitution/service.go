package substitution

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/settings"
)

// Service manages substitutions and switches sessions into them.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Settings *settings.Service
	Auth     *auth.Service
}

// Create defines a substitution. The substituted user defaults to the caller's effective user,
// both dates to today; active and forwardEmails to true. The caller must manage substitutions of
// the substituted user.
func (s *Service) Create(ctx context.Context, p *access.Principal, in Input) (*Substitution, error) {
	if err := access.MayManageSubstitutions(p).Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	sb := &Substitution{SubstitutedID: p.UserID, Active: true, ForwardEmails: true, CreatedAt: now, UpdatedAt: now}
	if p.Kind == access.KindInternal {
		sb.CreatedByID = &p.NativeUserID
	}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		set, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		today := Today(now, set.Location())
		sb.DateFrom, sb.DateTo = today, today
		if _, err := in.apply(sb, false); err != nil {
			return err
		}
		if err := s.check(ctx, tx, p, sb, set, now, true, true); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(sb).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert substitution: %w", err)
		}
		sb.dress(now, set.Location())
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "substitution.create", Entity: "substitution", EntityID: sb.ID,
			ChangedFields: []string{"substitutedId", "substituteId", "dateFrom", "dateTo", "active", "forwardEmails"}})
	})
	if err != nil {
		return nil, err
	}
	return sb, nil
}

// check is what every substitution written must satisfy, and the caller's right to manage it.
// checkTo and checkPeople are false when an edit leaves dateTo, or the users and active, as they
// were: an ended substitution, or one whose user has since been deactivated, can still be
// deactivated.
func (s *Service) check(ctx context.Context, tx bun.IDB, p *access.Principal, sb *Substitution, set settings.Settings, now time.Time, checkTo, checkPeople bool) error {
	if sb.SubstitutedID == "" || !database.ValidUUID(sb.SubstitutedID) {
		return apperr.Input("substitutedId", "no such user")
	}
	if sb.SubstituteID != "" && !database.ValidUUID(sb.SubstituteID) {
		return apperr.Input("substituteId", "no such user")
	}
	if err := checkDates(sb, Today(now, set.Location()), checkTo); err != nil {
		return err
	}
	if checkPeople {
		if err := checkUsers(ctx, tx, sb, set, now); err != nil {
			return err
		}
	}
	return s.mayManage(ctx, tx, p, sb.SubstitutedID)
}

// mayManage is ManageSubstitution for the user substitutedID, with the user's manager chain.
func (s *Service) mayManage(ctx context.Context, db bun.IDB, p *access.Principal, substitutedID string) error {
	managers, err := managerChain(ctx, db, substitutedID)
	if err != nil {
		return err
	}
	return access.ManageSubstitution(p, substitutedID, managers).Err()
}

// Update changes a substitution. Before its period starts everything may change; once it has,
// only dateTo (to today or later) and active. Deactivating it ends substitution mode in every
// session working in it.
func (s *Service) Update(ctx context.Context, p *access.Principal, id string, in Input) (*Substitution, error) {
	return s.update(ctx, p, id, func(sb *Substitution, _ time.Time) error { return nil }, in)
}

// Extend moves dateTo of a substitution later, in one step (the reminder's suggestion).
func (s *Service) Extend(ctx context.Context, p *access.Principal, id string, dateTo time.Time) (*Substitution, error) {
	later := func(sb *Substitution, _ time.Time) error {
		if !dateOf(dateTo).After(dateOf(sb.DateTo)) {
			return apperr.Input("dateTo", "must be after the current end (updateSubstitution shortens a substitution)")
		}
		return nil
	}
	return s.update(ctx, p, id, later, Input{DateTo: &dateTo})
}

func (s *Service) update(ctx context.Context, p *access.Principal, id string, pre func(*Substitution, time.Time) error, in Input) (*Substitution, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var sb *Substitution
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if sb, err = s.readable(ctx, tx, p, id, true); err != nil {
			return err
		}
		if err := s.mayManage(ctx, tx, p, sb.SubstitutedID); err != nil {
			return err
		}
		set, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		if err := pre(sb, now); err != nil {
			return err
		}
		defer sb.dress(now, set.Location())
		changed, err := in.apply(sb, sb.Started(now, set.Location()))
		if err != nil || len(changed) == 0 {
			return err
		}
		people := slices.Contains(changed, "substitutedId") || slices.Contains(changed, "substituteId") ||
			slices.Contains(changed, "active") && sb.Active
		if err := s.check(ctx, tx, p, sb, set, now, slices.Contains(changed, "dateTo"), people); err != nil {
			return err
		}
		sb.UpdatedAt = now
		q := tx.NewUpdate().Model(sb).WherePK().
			Column("substituted_id", "substitute_id", "date_from", "date_to", "active", "forward_emails", "updated_at")
		if slices.Contains(changed, "dateTo") {
			sb.RemindedAt = nil // a new end is reminded again
			q.Column("reminded_at")
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("update substitution: %w", err)
		}
		if !sb.Active {
			// The request path would refuse it anyway; this keeps sessions from naming it.
			if err := endSessions(ctx, tx, sb.ID); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "substitution.update", Entity: "substitution", EntityID: sb.ID, ChangedFields: changed})
	})
	if err != nil {
		return nil, err
	}
	return sb, nil
}

// Get returns a substitution the caller may see; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Substitution, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	sb, err := s.readable(ctx, s.DB, p, id, false)
	if err != nil {
		return nil, err
	}
	return sb, s.dressAll(ctx, sb)
}

// Current is the substitution principal p works in (nil when none), for the principal's own view.
func (s *Service) Current(ctx context.Context, p *access.Principal) (*Substitution, error) {
	if p == nil || p.SubstitutionID == "" {
		return nil, nil
	}
	sb := new(Substitution)
	if err := s.DB.NewSelect().Model(sb).Where("sb.id = ?", p.SubstitutionID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load current substitution: %w", err)
	}
	return sb, s.dressAll(ctx, sb)
}

// dressAll computes the time-dependent fields of rows with the settings in force.
func (s *Service) dressAll(ctx context.Context, rows ...*Substitution) error {
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	for _, sb := range rows {
		sb.dress(now, set.Location())
	}
	return nil
}

// readable loads the substitution id (locked for update when lock is set) if p may see it.
func (s *Service) readable(ctx context.Context, db bun.IDB, p *access.Principal, id string, lock bool) (*Substitution, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("substitution")
	}
	sb := new(Substitution)
	q := db.NewSelect().Model(sb).Where("sb.id = ?", id)
	if lock {
		q.For("UPDATE")
	}
	if err := q.Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("substitution")
	} else if err != nil {
		return nil, err
	}
	managers, err := managerChain(ctx, db, sb.SubstitutedID)
	if err != nil {
		return nil, err
	}
	if !access.ReadSubstitution(p, sb.SubstitutedID, sb.SubstituteID, managers).Allowed {
		return nil, apperr.NotFound("substitution")
	}
	return sb, nil
}

// List pages through the substitutions the caller may manage with the given status, newest first.
func (s *Service) List(ctx context.Context, p *access.Principal, status Status, page relay.Args) (relay.Page[Substitution], error) {
	if err := access.MayManageSubstitutions(p).Err(); err != nil {
		return relay.Page[Substitution]{}, err
	}
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[Substitution]{}, err
	}
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return relay.Page[Substitution]{}, err
	}
	now := s.Clock.Now()
	today := Today(now, set.Location())
	var rows []Substitution
	q := s.DB.NewSelect().Model(&rows).Apply(access.ManageableSubstitutions(p)).
		OrderExpr("sb.created_at DESC, sb.id DESC").Limit(int64(limit) + 1)
	if status == StatusInactive {
		q.Where("(NOT sb.active OR sb.date_to < ?)", today)
	} else {
		q.Where("sb.active AND sb.date_to >= ?", today)
	}
	if after != nil {
		q.Where("(sb.created_at, sb.id) < (?, ?::uuid)", after.At, after.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Substitution]{}, err
	}
	for i := range rows {
		rows[i].dress(now, set.Location())
	}
	return relay.NewPage(rows, limit, keyOf), nil
}

func keyOf(sb Substitution) []any { return []any{sb.CreatedAt, sb.ID} }

// managerChain lists the managers above a user, nearest first (a cycle cannot be stored; UNION
// would stop one anyway).
func managerChain(ctx context.Context, db bun.IDB, userID string) ([]string, error) {
	var ids []string
	err := db.NewRaw(`WITH RECURSIVE chain(id, depth) AS (
			SELECT manager_id, 1 FROM users WHERE id = ? AND manager_id IS NOT NULL
			UNION SELECT u.manager_id, c.depth + 1 FROM users u JOIN chain c ON u.id = c.id
			WHERE u.manager_id IS NOT NULL AND c.depth < 1000)
		SELECT id::text FROM chain ORDER BY depth`, userID).Scan(ctx, &ids)
	return ids, err
}
