package forms

import (
	"context"
	"fmt"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
)

// SettingsInput changes the parts that are set; nil parts keep their current value.
type SettingsInput struct {
	Internal        *access.Mode
	External        *access.Mode
	StageExceptions *[]access.StageMode
	VisibleOnlyFor  *[]access.Ref
	ModifyOnlyFor   *[]access.Ref
}

// Service is the administrators' API over procedures: access settings and procedure-level grants.
type Service struct {
	DB       *bun.DB
	Clock    clockwork.Clock
	Registry *Registry
}

// Procedure returns a procedure by key, NOT_FOUND when there is none.
func (s *Service) Procedure(key string) (*Procedure, error) { return s.Registry.Lookup(key) }

// Compiled returns a procedure's settings in force, for employees to read.
func (s *Service) Compiled(ctx context.Context, p *access.Principal, key string) (*Compiled, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(key)
	if err != nil {
		return nil, err
	}
	return Compile(ctx, s.DB, proc)
}

// SetAccess stores an override of a section's ("section") or field's ("section.field") settings;
// field says which of the two the caller means. Needs ADMIN.
func (s *Service) SetAccess(ctx context.Context, p *access.Principal, procedure, target string, field bool, in SettingsInput) (*Compiled, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	t, err := parseKind(proc, target, field)
	if err != nil {
		return nil, err
	}
	target = t.String()
	isField := t.IsField()
	if err := checkInput(proc, isField, in); err != nil {
		return nil, err
	}
	operation := map[bool]string{false: "setSectionAccess", true: "setFieldAccess"}[isField]
	_, err = s.write(ctx, p, proc, operation, audit.Entry{Action: "procedure.access.set", EntityID: procedure + ":" + target}, nil,
		func(ctx context.Context, tx bun.Tx, st snapshot) (snapshot, error) {
			if err := checkRefs(ctx, tx, in); err != nil {
				return nil, err
			}
			current := st[target]
			apply(&current, in)
			st[target] = current
			return st, nil
		})
	if err != nil {
		return nil, err
	}
	return Compile(ctx, s.DB, proc)
}

// ResetAccess drops the override, returning a section or field to the schema's defaults.
func (s *Service) ResetAccess(ctx context.Context, p *access.Principal, procedure, target string, field bool) (*Compiled, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	t, err := parseKind(proc, target, field)
	if err != nil {
		return nil, err
	}
	target = t.String()
	operation := map[bool]string{false: "resetSectionAccess", true: "resetFieldAccess"}[t.IsField()]
	_, err = s.write(ctx, p, proc, operation, audit.Entry{Action: "procedure.access.reset", EntityID: procedure + ":" + target}, nil,
		func(_ context.Context, _ bun.Tx, st snapshot) (snapshot, error) {
			delete(st, target)
			return st, nil
		})
	if err != nil {
		return nil, err
	}
	return Compile(ctx, s.DB, proc)
}

// GrantProcedureAccess gives a user or group READ or MANAGE on every case of a procedure
// (replacing an earlier grant to the same principal). Needs ADMIN.
func (s *Service) GrantProcedureAccess(ctx context.Context, p *access.Principal, procedure string, ref access.Ref, right access.Right) (*Compiled, error) {
	if err := access.GrantTo(p, ref.UserID).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	if right != access.Read && right != access.Manage {
		return nil, apperr.Input("right", "a procedure grant gives READ or MANAGE")
	}
	if err := checkRef("principal", ref); err != nil {
		return nil, err
	}
	// Grants are part of the procedure's access configuration: a revision like any settings write,
	// so that accessMatrix(at:) shows the grants in force then.
	_, err = s.write(ctx, p, proc, "grantProcedureAccess", audit.Entry{Action: "procedure.grant"}, nil,
		func(ctx context.Context, tx bun.Tx, st snapshot) (snapshot, error) {
			if err := refExists(ctx, tx, "principal", ref); err != nil {
				return nil, err
			}
			g := &grantRow{Procedure: procedure, Level: right, CreatedAt: s.Clock.Now()}
			if ref.UserID != "" {
				g.UserID = &ref.UserID
			} else {
				g.GroupID = &ref.GroupID
			}
			_, err := tx.NewInsert().Model(g).On("CONFLICT (procedure, coalesce(user_id, group_id)) DO UPDATE").
				Set("level = EXCLUDED.level").Exec(ctx)
			return st, err
		})
	if err != nil {
		return nil, err
	}
	return Compile(ctx, s.DB, proc)
}

// parseKind parses a target that must be a field (field true) or a section.
func parseKind(proc *Procedure, target string, field bool) (Target, error) {
	name := "section"
	if field {
		name = "field"
	}
	t, err := proc.ParseTarget(name, target)
	if err != nil {
		return t, err
	}
	if t.IsField() != field {
		return t, apperr.Input(name, fmt.Sprintf("%q is not a %s (write %s)", target, name, map[bool]string{true: "section.field", false: "section"}[field]))
	}
	return t, nil
}

func checkInput(proc *Procedure, isField bool, in SettingsInput) error {
	for name, m := range map[string]*access.Mode{"internal": in.Internal, "external": in.External} {
		if m != nil && *m == access.AsSection && !isField {
			return apperr.Input(name, "AS_SECTION is for fields only")
		}
	}
	if in.StageExceptions != nil {
		seen := map[string]bool{}
		for _, e := range *in.StageExceptions {
			if !proc.HasStage(e.Stage) {
				return apperr.Input("stageExceptions", fmt.Sprintf("%s has no stage %q", proc.Key, e.Stage))
			}
			if seen[e.Stage] {
				return apperr.Input("stageExceptions", fmt.Sprintf("stage %q is listed twice", e.Stage))
			}
			seen[e.Stage] = true
			if e.Internal == access.ModeUnset && e.External == access.ModeUnset {
				return apperr.Input("stageExceptions", fmt.Sprintf("the exception for %q sets neither internal nor external", e.Stage))
			}
			if !isField && (e.Internal == access.AsSection || e.External == access.AsSection) {
				return apperr.Input("stageExceptions", "AS_SECTION is for fields only")
			}
		}
	}
	for name, list := range map[string]*[]access.Ref{"visibleOnlyFor": in.VisibleOnlyFor, "modifyOnlyFor": in.ModifyOnlyFor} {
		if list == nil {
			continue
		}
		for _, r := range *list {
			if err := checkRef(name, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkRef(field string, r access.Ref) error {
	if p := refProblem(r); p != "" {
		return apperr.Input(field, p)
	}
	return nil
}

func checkRefs(ctx context.Context, db bun.IDB, in SettingsInput) error {
	for name, list := range map[string]*[]access.Ref{"visibleOnlyFor": in.VisibleOnlyFor, "modifyOnlyFor": in.ModifyOnlyFor} {
		if list == nil {
			continue
		}
		for _, r := range *list {
			if err := refExists(ctx, db, name, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// refExists checks that a listed user or group exists, so a typo does not silently grant nothing.
func refExists(ctx context.Context, db bun.IDB, field string, r access.Ref) error {
	table, id := "users", r.UserID
	if r.GroupID != "" {
		table, id = "groups", r.GroupID
	}
	if !database.ValidUUID(id) {
		return apperr.Input(field, "no such user or group")
	}
	ok, err := db.NewSelect().TableExpr(table).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Input(field, "no such user or group")
	}
	return nil
}

func apply(s *storedSettings, in SettingsInput) {
	if in.Internal != nil {
		s.Internal = in.Internal
	}
	if in.External != nil {
		s.External = in.External
	}
	if in.StageExceptions != nil {
		ex := make([]storedException, len(*in.StageExceptions))
		for i, e := range *in.StageExceptions {
			ex[i] = storedException{Stage: e.Stage, Internal: e.Internal, External: e.External}
		}
		s.StageExceptions = &ex
	}
	if in.VisibleOnlyFor != nil {
		r := storeRefs(*in.VisibleOnlyFor)
		s.VisibleOnlyFor = &r
	}
	if in.ModifyOnlyFor != nil {
		r := storeRefs(*in.ModifyOnlyFor)
		s.ModifyOnlyFor = &r
	}
}

func storeRefs(in []access.Ref) []storedRef {
	out := make([]storedRef, len(in))
	for i, r := range in {
		out[i] = storedRef{UserID: r.UserID, GroupID: r.GroupID}
	}
	return out
}

// All returns every procedure's settings in force, for employees to read.
func (s *Service) All(ctx context.Context, p *access.Principal) ([]Compiled, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	out := make([]Compiled, 0, len(s.Registry.All()))
	for _, proc := range s.Registry.All() {
		c, err := Compile(ctx, s.DB, proc)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// RevokeProcedureAccess takes a procedure-level grant away from a user or group (idempotent).
// Needs ADMIN.
func (s *Service) RevokeProcedureAccess(ctx context.Context, p *access.Principal, procedure string, ref access.Ref) (*Compiled, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	if err := checkRef("principal", ref); err != nil {
		return nil, err
	}
	_, err = s.write(ctx, p, proc, "revokeProcedureAccess", audit.Entry{Action: "procedure.revoke"}, nil,
		func(ctx context.Context, tx bun.Tx, st snapshot) (snapshot, error) {
			_, err := tx.NewDelete().Model((*grantRow)(nil)).Where("procedure = ?", procedure).
				Where("coalesce(user_id, group_id) = ?", ref.UserID+ref.GroupID).Exec(ctx)
			return st, err
		})
	if err != nil {
		return nil, err
	}
	return Compile(ctx, s.DB, proc)
}
