package substitution

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/session"
)

// Start switches the caller's session into a substitution: from the next request on (and in the
// principal returned) the effective user is the substituted user, the native user stays. Only the
// substitute may, while the substitution is in force; one already working as someone else switches
// directly. What is not in force answers PRECONDITION_FAILED naming why.
func (s *Service) Start(ctx context.Context, p *access.Principal, id string) (*access.Principal, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var next *access.Principal
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		sb, err := s.readable(ctx, tx, p, id, false)
		if err != nil {
			return err
		}
		set, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		f, err := facts(ctx, tx, sb)
		if err != nil {
			return err
		}
		inForce := access.SubstitutionInForce(f, now, set.Location(), set.SubstitutionForExpiredProfiles)
		if d := access.StartSubstitution(p, sb.SubstituteID, inForce); !d.Allowed {
			if d.Rule == inForce.Rule {
				return apperr.Precondition(d.Rule)
			}
			return d.Err()
		}
		if _, err := tx.NewUpdate().Model((*session.Session)(nil)).Set("substitution_id = ?", sb.ID).
			Where("id = ?", p.SessionID).Exec(ctx); err != nil {
			return fmt.Errorf("start substitution: %w", err)
		}
		if err := audit.Append(ctx, tx, p, now, audit.Entry{Action: "substitution.start", Entity: "substitution", EntityID: sb.ID}); err != nil {
			return err
		}
		next, err = s.Auth.Reload(ctx, tx, p.SessionID, now)
		if err != nil {
			return err
		}
		if next.SubstitutionID != sb.ID {
			// The request path's SQL and the decision above disagree: refuse rather than pretend.
			return fmt.Errorf("substitution %s in force by the decision but not by the principal query", sb.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// End switches the caller's session back to its native user. Ending when not substituting changes
// nothing and writes nothing.
func (s *Service) End(ctx context.Context, p *access.Principal) (*access.Principal, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	if p.Kind != access.KindInternal || p.SessionID == "" {
		return p, nil
	}
	now := s.Clock.Now()
	var next *access.Principal
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*session.Session)(nil)).Set("substitution_id = NULL").
			Where("id = ? AND substitution_id IS NOT NULL", p.SessionID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("end substitution: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 && p.Substituting() {
			if err := audit.Append(ctx, tx, p, now, audit.Entry{Action: "substitution.end", Entity: "substitution", EntityID: p.SubstitutionID}); err != nil {
				return err
			}
		}
		next, err = s.Auth.Reload(ctx, tx, p.SessionID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// Available lists the substitutions the caller (the person logged in) may start now, by start date.
func (s *Service) Available(ctx context.Context, p *access.Principal) ([]Substitution, error) {
	if !access.Internal(p).Allowed || p.Kind != access.KindInternal {
		return []Substitution{}, nil
	}
	set, err := s.Settings.Get(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	rows := []Substitution{}
	err = s.DB.NewSelect().Model(&rows).
		Join("JOIN users su ON su.id = sb.substituted_id").Join("JOIN users ss ON ss.id = sb.substitute_id").
		Where("sb.substitute_id = ?", p.NativeUserID).
		Where(access.SubstitutionInForceSQL("?0::timestamptz", "?1", "?2::boolean"), now, set.TimeZone, set.SubstitutionForExpiredProfiles).
		OrderExpr("sb.date_from, sb.id").Limit(200).Scan(ctx)
	for i := range rows {
		rows[i].dress(now, set.Location())
	}
	return rows, err
}

// endSessions switches every session working in a substitution back to its native user.
func endSessions(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewUpdate().Model((*session.Session)(nil)).Set("substitution_id = NULL").Where("substitution_id = ?", id).Exec(ctx)
	return err
}

// facts are what SubstitutionInForce needs of sb and its two users.
func facts(ctx context.Context, db bun.IDB, sb *Substitution) (access.SubstitutionFacts, error) {
	var r struct {
		SubstitutedActive bool       `bun:"substituted_active"`
		SubstituteActive  bool       `bun:"substitute_active"`
		ExpiresOn         *time.Time `bun:"expires_on"`
	}
	err := db.NewRaw(`SELECT su.status = 'ACTIVE' AND NOT su.is_system AS substituted_active,
			ss.status = 'ACTIVE' AND NOT ss.is_system AS substitute_active, su.profile_expires_on AS expires_on
		FROM users su, users ss WHERE su.id = ? AND ss.id = ?`, sb.SubstitutedID, sb.SubstituteID).Scan(ctx, &r)
	if err != nil {
		return access.SubstitutionFacts{}, fmt.Errorf("substitution facts: %w", err)
	}
	return access.SubstitutionFacts{Active: sb.Active, DateFrom: sb.DateFrom, DateTo: sb.DateTo,
		SubstitutedActive: r.SubstitutedActive, SubstituteActive: r.SubstituteActive, SubstitutedProfileExpiresOn: r.ExpiresOn}, nil
}
