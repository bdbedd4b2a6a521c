package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
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
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.load(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if err := require(c, access.Write); err != nil {
			return err
		}
		proc, err := s.procedure(c.Procedure)
		if err != nil {
			return err
		}
		assignees, err := nextAssignees(proc, p, in)
		if err != nil {
			return err
		}
		if err := checkAssignees(ctx, tx, assignees, true); err != nil {
			return err
		}
		if missing := missingRequired(proc, c); len(missing) > 0 {
			return &apperr.FieldsError{Kind: apperr.ErrRequiredFieldsMissing, Fields: missing}
		}
		now := s.Clock.Now()
		if err := s.changeStage(ctx, tx, c, in.ToStage, assignees, now); err != nil {
			return err
		}
		out, err = s.load(ctx, tx, p, id, false)
		if err != nil && apperrIsNotFound(err) {
			out, err = c, nil // the mover may have lost READ with its task; report what it moved
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "case.move", Entity: "case", EntityID: id, ChangedFields: []string{"stage", "assignees"}})
	})
	return out, err
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
	case len(in.AssigneeIDs) > 0:
		return in.AssigneeIDs, nil
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
	if _, err := tx.NewUpdate().Model((*task)(nil)).Set("active = false, completed_at = ?", now).
		Where("case_id = ? AND active", c.ID).Exec(ctx); err != nil {
		return err
	}
	if err := addTasks(ctx, tx, c.ID, stage, assignees, now); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Model((*Case)(nil)).Set("stage = ?, version = version + 1, updated_at = ?", stage, now).
		Where("id = ?", c.ID).Exec(ctx)
	return err
}

// touch bumps a case's version: its facts changed, so decisions made on the old ones are stale.
func touch(ctx context.Context, tx bun.IDB, id string, now time.Time) error {
	_, err := tx.NewUpdate().Model((*Case)(nil)).Set("version = version + 1, updated_at = ?", now).Where("id = ?", id).Exec(ctx)
	return err
}
