package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/forms"
)

// MoveInput says where a case goes and who works on it there.
type MoveInput struct {
	ToStage      string
	AssigneeIDs  []string
	ToSystemUser bool
}

// Move moves a case to another stage (SPEC §4): every field REQUIRED for the mover at the current
// stage must hold a value, else REQUIRED_FIELDS_MISSING names them and nothing changes. The current
// tasks end; the new stage's assignees are AssigneeIDs, or the system user with ToSystemUser (the
// case then leaves every to-do list), or else the mover. The last stage has no assignees.
func (s *Service) Move(ctx context.Context, p *access.Principal, id string, in MoveInput) (*Case, error) {
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
	return s.manage(ctx, p, id, access.Write, "case.move", []string{"stage", "assignees"}, func(ctx context.Context, tx bun.Tx, c *Case) error {
		if err := checkAssignees(ctx, tx, assignees, true); err != nil {
			return err
		}
		return s.changeStage(ctx, tx, c, in.ToStage, assignees, s.Clock.Now())
	}, check)
}

func nextAssignees(proc *forms.Procedure, p *access.Principal, in MoveInput) ([]string, error) {
	if !proc.HasStage(in.ToStage) {
		return nil, apperr.Input("toStage", fmt.Sprintf("%s has no stage %q (stages: %v)", proc.Key, in.ToStage, proc.Stages))
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
