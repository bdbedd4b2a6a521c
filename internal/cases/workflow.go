package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/notify"
)

// MoveInput says where a case goes and who works on it there.
type MoveInput struct {
	ToStage      string
	AssigneeIDs  []string
	ToSystemUser bool
}

// Move moves a case to another stage: every field REQUIRED for the mover at the current
// stage must hold a value, else REQUIRED_FIELDS_MISSING names them and nothing changes. The current
// tasks end; the new stage's assignees are AssigneeIDs, or the system user with ToSystemUser (the
// case then leaves every to-do list), or else the mover. The last stage has no assignees.
//
// A temporary-access person moves only to the stages its grant allows (AMODIT's buttons) and
// chooses nobody: the case goes back to the employee who granted the access.
//
// The new assignees are mailed in the same transaction (Notify), except the mover.
func (s *Service) Move(ctx context.Context, p *access.Principal, id string, in MoveInput) (*Case, error) {
	var out *Case
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.MoveIn(ctx, tx, p, id, in)
		return err
	})
	forget(ctx, id)
	return out, err
}

// MoveIn is Move inside a transaction the caller runs.
func (s *Service) MoveIn(ctx context.Context, tx bun.Tx, p *access.Principal, id string, in MoveInput) (*Case, error) {
	if err := access.MoveCases(p).Err(); err != nil {
		return nil, err
	}
	var proc *forms.Procedure
	var assignees []string
	check := func(c *Case) error {
		var err error
		if proc, err = s.procedure(c.Procedure); err != nil {
			return err
		}
		if assignees, err = nextAssignees(proc, p, in); err != nil {
			return err
		}
		if missing := missingRequired(proc, c); len(missing) > 0 {
			return &apperr.FieldsError{Kind: apperr.ErrRequiredFieldsMissing, Fields: missing}
		}
		return nil
	}
	return s.manageIn(ctx, tx, p, id, access.Write, "case.move", []string{"stage", "assignees"}, func(ctx context.Context, tx bun.Tx, c *Case) error {
		if p.Kind == access.KindTemporary {
			var err error
			if assignees, err = activeOrSystem(ctx, tx, assignees); err != nil {
				return err
			}
		}
		if err := checkAssignees(ctx, tx, assignees, true); err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := s.changeStage(ctx, tx, c, in.ToStage, assignees, now); err != nil {
			return err
		}
		return s.Notify.CaseMoved(ctx, tx, p, now,
			notify.CaseRef{ID: c.ID, Title: c.Title, ProcedureName: proc.Name, Stage: in.ToStage}, assignees)
	}, check)
}

func nextAssignees(proc *forms.Procedure, p *access.Principal, in MoveInput) ([]string, error) {
	if !proc.HasStage(in.ToStage) {
		return nil, apperr.Input("toStage", fmt.Sprintf("%s has no stage %q (stages: %v)", proc.Key, in.ToStage, proc.Stages))
	}
	if p.Kind == access.KindTemporary {
		return temporaryAssignees(proc, p, in)
	}
	switch {
	case in.ToStage == proc.LastStage():
		if len(in.AssigneeIDs) > 0 || in.ToSystemUser {
			return nil, apperr.Input("assigneeIds", "the last stage has no assignees")
		}
		return nil, nil
	case in.ToSystemUser && len(in.AssigneeIDs) > 0:
		return nil, apperr.Input("toSystemUser", "give assigneeIds or toSystemUser, not both")
	case in.ToSystemUser:
		return []string{access.SystemUserID}, nil
	case in.AssigneeIDs != nil:
		return in.AssigneeIDs, nil // an empty list means nobody, as on create
	}
	return []string{p.UserID}, nil
}

// temporaryAssignees: a temporary-access person may take only its grant's moves, and the case goes
// to the employee who granted the access.
func temporaryAssignees(proc *forms.Procedure, p *access.Principal, in MoveInput) ([]string, error) {
	if in.AssigneeIDs != nil || in.ToSystemUser {
		return nil, apperr.Input("assigneeIds", "a temporary-access session does not choose assignees")
	}
	if !access.MayMoveTo(p, in.ToStage) {
		return nil, apperr.Forbidden("the temporary access grant does not allow moving the case to " + in.ToStage)
	}
	if in.ToStage == proc.LastStage() {
		return nil, nil
	}
	if p.Temporary.GrantedBy == "" {
		return []string{access.SystemUserID}, nil
	}
	return []string{p.Temporary.GrantedBy}, nil
}

// activeOrSystem keeps the users that are still active employees; when none is left, the case goes
// to the system user rather than to nobody, so it stays in "all cases" for someone to pick up.
func activeOrSystem(ctx context.Context, db bun.IDB, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return ids, nil
	}
	var active []string
	err := db.NewSelect().TableExpr("users").Column("id").
		Where("id IN (?) AND status = 'ACTIVE' AND NOT is_system", bun.In(ids)).Scan(ctx, &active)
	if err != nil {
		return nil, err
	}
	if len(active) == 0 {
		return []string{access.SystemUserID}, nil
	}
	return active, nil
}

// missingRequired lists the fields REQUIRED for the mover at the current stage that hold no value.
func missingRequired(proc *forms.Procedure, c *Case) []string {
	var missing []string
	for si, sec := range proc.Sections {
		for fi, f := range sec.Fields {
			if c.decision.Field(si, fi) == access.Required && forms.Empty(c.Values.Get(sec.Key, f.Key)) {
				missing = append(missing, sec.Key+"."+f.Key)
			}
		}
	}
	return missing
}

// changeStage ends the current tasks and starts the new ones at stage.
func (s *Service) changeStage(ctx context.Context, tx bun.IDB, c *Case, stage string, assignees []string, now time.Time) error {
	// The version is bumped by manage; the stage and tasks change here.
	if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("active = false, completed_at = ?", now).
		Where("case_id = ? AND active", c.ID).Exec(ctx); err != nil {
		return err
	}
	if err := addTasks(ctx, tx, c.ID, stage, assignees, now); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Model((*Case)(nil)).Set("stage = ?", stage).Where("id = ?", c.ID).Exec(ctx)
	return err
}

// touch bumps a case's version: its facts changed, so decisions made on the old ones are stale.
func touch(ctx context.Context, tx bun.IDB, id string, now time.Time) error {
	_, err := tx.NewUpdate().Model((*Case)(nil)).Set("version = version + 1, updated_at = ?", now).Where("id = ?", id).Exec(ctx)
	return err
}

// Tasks lists a case's tasks, current and past, newest first.
func (s *Service) Tasks(ctx context.Context, c *Case) ([]Task, error) {
	var out []Task
	err := s.DB.NewSelect().Model(&out).Where("case_id = ?", c.ID).OrderExpr("created_at DESC, id").Scan(ctx)
	return out, err
}
