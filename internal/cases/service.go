// Package cases stores cases (instances of procedures) with their form values, stage, tasks,
// participants and ACL, and runs every operation on them through the access engine: a case the
// principal may not read does not exist for it, and every write is checked against the same
// decision that the reads use.
package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/notify"
)

// Service runs case operations.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Registry *forms.Registry
	// Principal builds the principal of another user, for explainFieldAccess.
	Principal func(ctx context.Context, userID string) (*access.Principal, error)
	// Notify mails the users a case moves to; nil mails nobody.
	Notify *notify.Tasks
	// Auth builds the principals of the members of a case's audience (Audience).
	Auth *auth.Service
	// settings keeps the procedures' settings last compiled, reused only at the request's version.
	settings forms.SettingsCache
	// AccessOff switches access enforcement off. It exists for the benchmark that measures what
	// enforcement costs (cmd/casegate-bench) and is set nowhere else: no flag or setting reaches it.
	AccessOff bool
}

// requestCache holds what one request computes once: the procedures' compiled settings and each
// case's decision.
type requestCache struct {
	mu        sync.Mutex
	settings  *forms.CompiledSet
	decisions map[string]*access.CaseDecision
	cases     map[string]*caseEntry // read once per request: `case(id)` and the typed query share it
}

// caseEntry loads one case once, however many root fields (resolved concurrently) ask for it.
type caseEntry struct {
	once sync.Once
	c    *Case
	err  error
}

type cacheKey struct{}

// WithRequestCache gives a request its cache; the HTTP middleware calls it once per request.
func WithRequestCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &requestCache{decisions: map[string]*access.CaseDecision{}, cases: map[string]*caseEntry{}})
}

func cacheFrom(ctx context.Context) *requestCache {
	c, _ := ctx.Value(cacheKey{}).(*requestCache)
	return c
}

// procedure returns a procedure by key or NOT_FOUND.
func (s *Service) procedure(key string) (*forms.Procedure, error) { return s.Registry.Lookup(key) }

// compiled returns the procedure's settings in force, once per request: those of the version p's
// principal query read, or later (see forms.SettingsCache); p nil (or a principal built without
// it) reads them afresh.
func (s *Service) compiled(ctx context.Context, db bun.IDB, p *access.Principal, proc *forms.Procedure) (*forms.Compiled, error) {
	rc := cacheFrom(ctx)
	var set *forms.CompiledSet
	if rc != nil {
		rc.mu.Lock()
		set = rc.settings
		rc.mu.Unlock()
	}
	if set == nil {
		var min int64
		if p != nil {
			min = p.SettingsVersion
		}
		var err error
		if set, err = s.settings.At(ctx, db, s.Registry.All(), min); err != nil {
			return nil, err
		}
		if rc != nil {
			rc.mu.Lock()
			if rc.settings == nil {
				rc.settings = set
			}
			set = rc.settings
			rc.mu.Unlock()
		}
	}
	if c := set.Get(proc.Key); c != nil {
		return c, nil
	}
	return forms.Compile(ctx, db, proc) // not in the registry's list: cannot happen, but stay correct
}

// decide attaches p's decision to c, reusing one made earlier in the request for the same version.
func (s *Service) decide(ctx context.Context, db bun.IDB, p *access.Principal, c *Case) error {
	proc, err := s.procedure(c.Procedure)
	if err != nil {
		return err
	}
	comp, err := s.compiled(ctx, db, p, proc)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s@%d", c.ID, c.Version)
	rc := cacheFrom(ctx)
	if rc != nil {
		rc.mu.Lock()
		d := rc.decisions[key]
		rc.mu.Unlock()
		if d != nil {
			c.decision = d
			return nil
		}
	}
	if s.AccessOff {
		c.decision = access.Unrestricted(comp.Form)
	} else {
		c.decision = access.Decide(p, c.Facts(), comp.Form)
	}
	if rc != nil {
		rc.mu.Lock()
		rc.decisions[key] = c.decision
		rc.mu.Unlock()
	}
	return nil
}

// load reads one case with its facts (locking it when forUpdate) and decides for p. A case p may
// not read is NOT_FOUND, exactly like one that does not exist.
func (s *Service) load(ctx context.Context, db bun.IDB, p *access.Principal, id string, forUpdate bool) (*Case, error) {
	return readable(s.fetch(ctx, db, p, id, forUpdate))
}

// readable is a case just decided, NOT_FOUND when its principal may not read it.
func readable(c *Case, err error) (*Case, error) {
	if err != nil {
		return nil, err
	}
	if c.decision.Right < access.Read {
		return nil, apperr.NotFound("case")
	}
	return c, nil
}

// fetch is load without the read check: for reporting a write whose author lost READ by it.
func (s *Service) fetch(ctx context.Context, db bun.IDB, p *access.Principal, id string, forUpdate bool) (*Case, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("case")
	}
	if forUpdate {
		// Lock first, then read the facts in a second statement: under READ COMMITTED a statement
		// that waited for the lock would still evaluate its fact sub-selects on the snapshot taken
		// before the wait, and so decide on tasks or an ACL that another transaction just changed.
		var locked string
		if err := db.NewSelect().Model((*Case)(nil)).Column("id").Where("id = ?", id).For("UPDATE").Scan(ctx, &locked); errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.NotFound("case")
		} else if err != nil {
			return nil, fmt.Errorf("lock case: %w", err)
		}
		if err := s.holdGrant(ctx, db, p); err != nil {
			return nil, err
		}
	}
	c := new(Case)
	var err error
	if forUpdate {
		err = db.NewSelect().Model(c).Apply(withFacts).Where("c.id = ?", id).Scan(ctx)
	} else {
		err = caseByID.Scan(ctx, db, []any{id}, c)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("case")
	} else if err != nil {
		return nil, fmt.Errorf("load case: %w", err)
	}
	return s.loaded(ctx, db, p, c)
}

// loaded decides for p on a case just read.
func (s *Service) loaded(ctx context.Context, db bun.IDB, p *access.Principal, c *Case) (*Case, error) {
	if err := s.decide(ctx, db, p, c); err != nil {
		return nil, err
	}
	return c, nil
}

// AuthenticateReading authenticates a bearer token (as a.Authenticate does) and reads the case id
// in the same statement, for an operation that reads only that case: the case, decided for the
// principal, waits in the request's cache for Get, so the operation costs one round trip. Whatever
// the case, the token is judged first: an invalid one is UNAUTHENTICATED and the case is dropped,
// and so is the case read with a preview session's token.
func (s *Service) AuthenticateReading(ctx context.Context, a *auth.Service, token, id string) (*access.Principal, error) {
	rc := cacheFrom(ctx)
	if rc == nil || !database.ValidUUID(id) {
		return a.Authenticate(ctx, token)
	}
	row := new(caseRow)
	p, err := a.AuthenticateAlong(ctx, token, caseWithPrincipal, row, id)
	if err != nil {
		return nil, err
	}
	if p.InPreviewSession() {
		// A preview session's token: the request runs as the user it shows, so a case decided
		// for the one previewing must not wait in the cache; Get reads it again as that user.
		return p, nil
	}
	e := &caseEntry{}
	e.once.Do(func() {
		if row.Case.ID == "" {
			e.err = apperr.NotFound("case")
			return
		}
		e.c, e.err = readable(s.loaded(ctx, s.DB, p, &row.Case))
	})
	rc.mu.Lock()
	rc.cases[id] = e
	rc.mu.Unlock()
	return p, nil
}

// Get returns one case p may read, loading it once per request.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Case, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	rc := cacheFrom(ctx)
	if rc == nil {
		return s.load(ctx, s.DB, p, id, false)
	}
	rc.mu.Lock()
	e := rc.cases[id]
	if e == nil {
		e = &caseEntry{}
		rc.cases[id] = e
	}
	rc.mu.Unlock()
	e.once.Do(func() { e.c, e.err = s.load(ctx, s.DB, p, id, false) })
	return e.c, e.err
}

// forget drops a case from the request's cache after a write, so later reads see the write.
func forget(ctx context.Context, id string) {
	if rc := cacheFrom(ctx); rc != nil {
		rc.mu.Lock()
		delete(rc.cases, id)
		rc.mu.Unlock()
	}
}

// Form loads one case of procedure as p sees it; a case of another procedure is NOT_FOUND.
func (s *Service) Form(ctx context.Context, p *access.Principal, procedure, id string) (*Form, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Procedure != procedure {
		return nil, apperr.NotFound("case")
	}
	return s.form(c)
}

func (s *Service) form(c *Case) (*Form, error) {
	proc, err := s.procedure(c.Procedure)
	if err != nil {
		return nil, err
	}
	return &Form{Case: c, Decision: c.decision, Procedure: proc, values: c.Values}, nil
}

// require turns a missing right into FORBIDDEN (the case itself is visible: the caller can READ).
func require(c *Case, right access.Right) error {
	if c.decision.Right < right {
		return apperr.Forbidden(fmt.Sprintf("%s on the case is needed", right))
	}
	return nil
}

// RequireOn checks, inside tx, that p holds right on a case (NOT_FOUND when it may not read it):
// for operations on things that belong to a case, such as adding a document.
func (s *Service) RequireOn(ctx context.Context, tx bun.IDB, p *access.Principal, caseID string, right access.Right) error {
	c, err := s.load(ctx, tx, p, caseID, false)
	if err != nil {
		return err
	}
	return require(c, right)
}

// LockFor locks a case inside tx, reads its facts afresh and checks that p holds right on it
// (NOT_FOUND when p may not read it, FORBIDDEN when it may read but lacks right): for writes on
// things that belong to a case, so that a concurrent change of its ACL, tasks or stage cannot slip
// between check and write.
func (s *Service) LockFor(ctx context.Context, tx bun.IDB, p *access.Principal, caseID string, right access.Right) (*Case, error) {
	c, err := s.load(ctx, tx, p, caseID, true)
	if err != nil {
		return nil, err
	}
	if err := require(c, right); err != nil {
		return nil, err
	}
	return c, nil
}

// Compiled returns a procedure's settings in force, once per request: for a case's procedure,
// which whoever can read the case may see.
func (s *Service) Compiled(ctx context.Context, key string) (*forms.Compiled, error) {
	proc, err := s.procedure(key)
	if err != nil {
		return nil, err
	}
	return s.compiled(ctx, s.DB, auth.PrincipalFrom(ctx), proc)
}
