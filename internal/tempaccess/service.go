package tempaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/users"
)

// Service grants, lists and revokes temporary access, and opens its sessions.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Cases    *cases.Service
	Settings *settings.Service
	Auth     *auth.Service
	// SessionTTL bounds a session; it never outlives its grant's window either.
	SessionTTL time.Duration
	Limits     Limits
}

// Grant gives the person named by in temporary access to a case. The caller needs WRITE on it. In
// one transaction: the grant, the e-mail with its link in the outbox, the move to MoveToStage (to
// the system user, unless AssignToSystemUser is false) and the audit records.
func (s *Service) Grant(ctx context.Context, p *access.Principal, caseID string, in Input) (*Grant, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var g *Grant
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.Cases.LockFor(ctx, tx, p, caseID, access.Write)
		if err != nil {
			return err
		}
		proc, err := s.Cases.Registry.Lookup(c.Procedure)
		if err != nil {
			return err
		}
		set, err := s.Settings.Get(ctx, tx)
		if err != nil {
			return err
		}
		in, err := in.check(proc, c.Stage, now, set.TemporaryAccessMaxDays)
		if err != nil {
			return err
		}
		if err := preconditions(set, in); err != nil {
			return err
		}
		if _, err := users.FindByEmail(ctx, tx, in.email); err == nil {
			return apperr.Conflict("email", "a user with this e-mail address (share the case with the user instead)")
		} else if !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		token, hash := session.NewToken()
		g = &Grant{CaseID: c.ID, Email: in.email, Phone: in.Phone, FirstName: in.FirstName, LastName: in.LastName,
			LoginMethod: in.LoginMethod, Stages: in.stages, AllowedMoves: in.moves, AllowedActions: in.actions,
			LinkHash: hash, ValidFrom: in.from, ValidUntil: in.until, GrantedByID: &p.UserID, CreatedAt: now}
		if _, err := tx.NewInsert().Model(g).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert grant: %w", err)
		}
		if err := audit.Append(ctx, tx, p, now, audit.Entry{Action: "temporary_access.grant", Entity: "temporary_access_grant",
			EntityID: g.ID, ChangedFields: grantFields(in)}); err != nil {
			return err
		}
		mail := invitation(in, g, c.Title, set, token)
		if _, err := outbox.Enqueue(ctx, tx, mail); err != nil {
			return err
		}
		if in.move != nil {
			_, err := s.Cases.MoveIn(ctx, tx, p, c.ID, cases.MoveInput{ToStage: *in.move, ToSystemUser: in.toSystem})
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// preconditions are what the system must have before it grants temporary access (external
// functions on, outgoing mail, and SMS for SMS codes), each named when missing.
func preconditions(set settings.Settings, in *checked) error {
	var missing []string
	if !set.ExternalFunctionsEnabled {
		missing = append(missing, "externalFunctionsEnabled")
	}
	if !set.OutgoingMailConfigured {
		missing = append(missing, "outgoingMail")
	}
	if in.LoginMethod == SMSCode {
		if !set.SMSConfigured {
			missing = append(missing, "sms")
		}
		if in.Phone == nil {
			missing = append(missing, "phone")
		}
	}
	if len(missing) > 0 {
		return apperr.Precondition(missing...)
	}
	return nil
}

// grantFields are the audit record's changed fields: names only, never the link.
func grantFields(in *checked) []string {
	f := []string{"caseId", "email", "loginMethod", "stages", "validFrom", "validUntil"}
	if in.Phone != nil {
		f = append(f, "phone")
	}
	if len(in.moves) > 0 {
		f = append(f, "allowedMoves")
	}
	if len(in.actions) > 0 {
		f = append(f, "allowedActions")
	}
	return f
}

// invitation is the e-mail carrying the link.
func invitation(in *checked, g *Grant, caseTitle string, set settings.Settings, token string) outbox.Message {
	link := strings.TrimRight(set.PublicBaseURL, "/") + "/access/" + token
	first := ""
	if g.FirstName != nil {
		first = " " + *g.FirstName
	}
	r := strings.NewReplacer(LinkPlaceholder, link, "{{caseTitle}}", caseTitle, "{{ firstName}}", first,
		"{{firstName}}", strings.TrimSpace(first), "{{lastName}}", deref(g.LastName),
		"{{validUntil}}", g.ValidUntil.In(set.Location()).Format("2006-01-02 15:04 MST"))
	subject := strings.NewReplacer("{{caseTitle}}", caseTitle).Replace(in.subject)
	// Secret: the link is redacted once sent, and given up if it cannot be sent before the grant ends.
	return outbox.Message{Channel: outbox.Email, Recipient: g.Email, Subject: subject, Body: r.Replace(in.body), Secret: true,
		ExpiresAt: g.ValidUntil}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Revoke ends a grant and every session it opened, at once. The caller needs WRITE on its case, or
// to be the employee who granted it and still read the case. A grant that has already ended is
// returned as it is.
func (s *Service) Revoke(ctx context.Context, p *access.Principal, id string) (*Grant, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var g *Grant
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if g, err = s.byID(ctx, tx, id); err != nil {
			return err
		}
		c, err := s.Cases.LockFor(ctx, tx, p, g.CaseID, access.Read)
		if err != nil {
			return notFoundIfHidden(err)
		}
		// The one who granted may revoke while it can read the case: handing the case to the
		// person (and the system user) usually takes its WRITE away.
		if c.Decision().Right < access.Write && deref(g.GrantedByID) != p.UserID {
			return apperr.Forbidden("WRITE on the case is needed, or to have granted the access")
		}
		if g, err = s.byID(ctx, tx, id); err != nil { // afresh, under the case's lock
			return err
		}
		if st := g.StateAt(now); st == Revoked || st == Expired {
			return nil
		}
		g.RevokedAt, g.RevokedByID = &now, &p.UserID
		if _, err := tx.NewUpdate().Model(g).Column("revoked_at", "revoked_by").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := endSessions(ctx, tx, []string{g.ID}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "temporary_access.revoke", Entity: "temporary_access_grant",
			EntityID: g.ID, ChangedFields: []string{"revokedAt"}})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// notFoundIfHidden: a grant on a case the caller cannot read does not exist for it either.
func notFoundIfHidden(err error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		return apperr.NotFound("temporary access grant")
	}
	return err
}

// endSessions deletes the sessions of grants, and their unused codes.
func endSessions(ctx context.Context, tx bun.IDB, grantIDs []string) error {
	if len(grantIDs) == 0 {
		return nil
	}
	if _, err := tx.NewDelete().Model((*session.Session)(nil)).Where("grant_id IN (?)", bun.In(grantIDs)).Exec(ctx); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	_, err := tx.NewDelete().TableExpr("access_codes").Where("grant_id IN (?)", bun.In(grantIDs)).Exec(ctx)
	return err
}

func (s *Service) byID(ctx context.Context, db bun.IDB, id string) (*Grant, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("temporary access grant")
	}
	g := new(Grant)
	err := selectGrants(db.NewSelect().Model(g)).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("temporary access grant")
	}
	return g, err
}

// List lists a case's grants, newest first, for employees with READ on the case. A temporary
// session or a guest sees none: grants name other people.
func (s *Service) List(ctx context.Context, p *access.Principal, caseID string, page relay.Args) (relay.Page[Grant], error) {
	if err := access.Internal(p).Err(); err != nil {
		return relay.Page[Grant]{}, err
	}
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[Grant]{}, err
	}
	if _, err := s.Cases.Get(ctx, p, caseID); err != nil {
		return relay.Page[Grant]{}, err
	}
	var rows []Grant
	q := selectGrants(s.DB.NewSelect().Model(&rows)).Where("g.case_id = ?", caseID).OrderExpr("g.created_at DESC, g.id DESC").Limit(int64(limit) + 1)
	if after != nil {
		q = q.Where("(g.created_at, g.id) < (?, ?)", after.At, after.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[Grant]{}, fmt.Errorf("list grants: %w", err)
	}
	return relay.NewPage(rows, limit, func(g Grant) []any { return []any{g.CreatedAt, g.ID} }), nil
}

// Get returns one grant: to an employee with READ on its case, or to the grant's own session.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Grant, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	if p.Kind == access.KindTemporary {
		if p.GrantID != id {
			return nil, apperr.NotFound("temporary access grant")
		}
		return s.byID(ctx, s.DB, id)
	}
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	g, err := s.byID(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Cases.Get(ctx, p, g.CaseID); err != nil {
		return nil, notFoundIfHidden(err)
	}
	return g, nil
}

// Now is the service's clock, for a grant's state.
func (s *Service) Now() time.Time { return s.Clock.Now() }
