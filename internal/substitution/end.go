package substitution

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audit"
)

// EndDue switches back the sessions still naming a substitution that has ended or been deactivated
// (the gocron job). The request path already answers them as their native user the moment the
// substitution stops being in force; this records the end and keeps the sessions honest.
func (s *Service) EndDue(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	var ended []string
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		set, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		if err := tx.NewRaw(`WITH ended AS (
				UPDATE sessions s SET substitution_id = NULL
				FROM substitutions sb
				WHERE s.substitution_id = sb.id AND (NOT sb.active OR sb.date_to < ?)
				RETURNING sb.id)
			SELECT DISTINCT id::text FROM ended`, Today(now, set.Location())).Scan(ctx, &ended); err != nil {
			return fmt.Errorf("end substitution sessions: %w", err)
		}
		for _, id := range ended {
			if err := audit.Append(ctx, tx, access.System(), now, audit.Entry{Action: "substitution.sessions_ended",
				Entity: "substitution", EntityID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ended), err
}
