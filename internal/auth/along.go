package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/session"
)

// AlongParams are the parameter types of the principal query (?0 to ?3), which a statement built
// with AlongSQL takes first; its own parameters follow from ?4.
const AlongParams = principalParams

// AlongSQL is the principal query of a bearer token with another row beside it, read in the same
// statement: a request that reads one thing (a case page) then costs one round trip, not two. The
// other row comes from sql (its parameters from ?4), joined to the principal's row, so that an
// invalid token reads nothing; when sql finds no row its columns are NULL. Its columns must not
// share a name with the principal's.
func AlongSQL(sql string) string {
	return `SELECT p.*, r.* FROM (` + principalSQL("token_hash") + `) p LEFT JOIN LATERAL (` + sql + `) r ON true`
}

// Along is the other row of a statement built with AlongSQL, scanned with database/sql into plain
// variables (no reflection per column): Dest are its columns' destinations in their order, and
// Scanned, called while the row is current (sql.RawBytes still valid), decodes them.
type Along interface {
	Dest() []any
	Scanned() error
}

// AuthenticateAlong is Authenticate with the other row of stmt (built with AlongSQL, prepared)
// scanned into row, in the same statement; args are stmt's own parameters. Whatever the other row
// holds, the principal is decided exactly as Authenticate decides it.
func (s *Service) AuthenticateAlong(ctx context.Context, token string, stmt *database.Prepared, row Along, args ...any) (*access.Principal, error) {
	now := s.Clock.Now()
	all := append([]any{session.HashToken(token), now, s.Settings.Defaults.TimeZone, database.MaxTime}, args...)
	var p *access.Principal
	err := stmt.Row(ctx, s.DB, all, func(rows *sql.Rows) error {
		var raw principalRaw
		if err := rows.Scan(append(raw.dest(), row.Dest()...)...); err != nil {
			return err
		}
		r, err := raw.row()
		if err != nil {
			return err
		}
		if p, err = r.principal(now); err != nil {
			return err
		}
		return row.Scanned()
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("load principal: %w", err)
	}
	return p, nil
}
