package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/forms"
)

// CreateInput is what create<Type> takes besides the form values.
type CreateInput struct {
	Values      map[string]any
	Title       *string
	ProjectID   *string
	ClientID    *string
	PositionID  *string
	AssigneeIDs []string
}

// Create starts a case of procedure at its first stage. The creator becomes its assignee unless
// AssigneeIDs says otherwise; the values are checked against the creator's modes on the new case.
// Employees may create cases of every procedure; a guest only of those marked externalCreate
// (access.CreateCase), and as a guest: see createAsGuest.
func (s *Service) Create(ctx context.Context, p *access.Principal, procedure string, in CreateInput) (*Form, error) {
	if err := access.CreateCases(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.procedure(procedure)
	if err != nil {
		return nil, err
	}
	if err := access.CreateCase(p, proc.ExternalCreate).Err(); err != nil {
		return nil, err
	}
	guest := !access.ChoosesCaseLinks(p)
	if guest {
		if err := guestInput(in); err != nil {
			return nil, err
		}
	}
	changes, err := proc.ParseInput(in.Values)
	if err != nil {
		return nil, err
	}
	title, err := caseTitle(proc, in.Title)
	if err != nil {
		return nil, err
	}
	assignees := in.AssigneeIDs
	if assignees == nil {
		assignees = []string{p.UserID}
	}
	now := s.Clock.Now()
	c := &Case{Procedure: proc.Key, Stage: proc.FirstStage(), Title: title, Values: forms.Values{}, CreatorID: &p.UserID,
		ProjectID: in.ProjectID, ClientID: in.ClientID, PositionID: in.PositionID, Version: 1, CreatedAt: now, UpdatedAt: now}
	fields := []string{"stage", "assignees"}
	var out *Case
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if guest {
			var err error
			if c.ProjectID, err = guestProject(ctx, tx, p, in.ProjectID); err != nil {
				return err
			}
			if p.CompanyID != "" {
				c.ClientID = &p.CompanyID
			}
			fields = append(fields, "participants")
		} else {
			if err := checkLinks(ctx, tx, in); err != nil {
				return err
			}
			if err := checkAssignees(ctx, tx, assignees, false); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := addTasks(ctx, tx, c.ID, c.Stage, assignees, now); err != nil {
			return err
		}
		if guest {
			if _, err := tx.NewRaw(`INSERT INTO case_participants (case_id, contact_id, role) VALUES (?, ?, ?)`,
				c.ID, p.ContactID, Participant).Exec(ctx); err != nil {
				return err
			}
		}
		var err error
		if out, err = s.load(ctx, tx, p, c.ID, true); err != nil {
			return err
		}
		if err := s.writeValues(ctx, tx, out, changes, now); err != nil {
			return err
		}
		if guest {
			// A guest files its request in one go: what is REQUIRED for it must be there.
			if missing := missingRequired(proc, out); len(missing) > 0 {
				return &apperr.FieldsError{Kind: apperr.ErrRequiredFieldsMissing, Fields: missing}
			}
		}
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "case.create", Entity: "case", EntityID: c.ID,
			ChangedFields: append(fields, paths(changes)...)})
	})
	if err != nil {
		return nil, err
	}
	return s.form(out)
}

// guestInput refuses what a guest may not choose on a case it creates: the client (its company),
// the position and the assignees (itself).
func guestInput(in CreateInput) error {
	switch {
	case in.ClientID != nil:
		return apperr.Input("clientId", "a guest's case is its company's")
	case in.PositionID != nil:
		return apperr.Input("positionId", "a guest cannot place a case")
	case in.AssigneeIDs != nil:
		return apperr.Input("assigneeIds", "a guest cannot assign a case")
	}
	return nil
}

// guestProject is the project of a case a guest creates: the one given, which the guest must see
// (else NOT_FOUND, as if it did not exist), else the first project it sees by creation time, else
// none.
func guestProject(ctx context.Context, db bun.IDB, p *access.Principal, given *string) (*string, error) {
	q := db.NewSelect().TableExpr("projects AS pj").Column("pj.id").Apply(access.VisibleProjects(p))
	if given != nil {
		if !database.ValidUUID(*given) {
			return nil, apperr.NotFound("project")
		}
		q = q.Where("pj.id = ?", *given)
	}
	var ids []string
	if err := q.OrderExpr("pj.created_at, pj.id").Limit(1).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	switch {
	case len(ids) == 1:
		return &ids[0], nil
	case given != nil:
		return nil, apperr.NotFound("project")
	}
	return nil, nil
}

// Update sets form values of a case. Every field the input sets must be MODIFY or REQUIRED for the
// caller, else nothing is written and FIELD_NOT_WRITABLE names all of them (hidden ones too).
func (s *Service) Update(ctx context.Context, p *access.Principal, procedure, id string, values map[string]any) (*Form, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.procedure(procedure)
	if err != nil {
		return nil, err
	}
	changes, err := proc.ParseInput(values)
	if err != nil {
		return nil, err
	}
	var out *Case
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.load(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if c.Procedure != procedure {
			return apperr.NotFound("case")
		}
		if len(changes) == 0 {
			out = c // nothing to write, and so nothing to audit
			return nil
		}
		now := s.Clock.Now()
		if err := s.writeValues(ctx, tx, c, changes, now); err != nil {
			return err
		}
		out = c
		return audit.Append(ctx, tx, p, now, audit.Entry{Action: "case.update", Entity: "case", EntityID: c.ID, ChangedFields: paths(changes)})
	})
	forget(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.form(out)
}

// writeValues checks every change against c's decision and stores them all, or none.
func (s *Service) writeValues(ctx context.Context, tx bun.IDB, c *Case, changes []forms.Change, now time.Time) error {
	if len(changes) == 0 {
		return nil
	}
	proc, _ := s.procedure(c.Procedure)
	var denied []string
	for _, ch := range changes {
		si, fi, _ := proc.Field(ch.Path())
		if !c.decision.Field(si, fi).Writable() {
			denied = append(denied, ch.Path())
		}
	}
	if len(denied) > 0 {
		return &apperr.FieldsError{Kind: apperr.ErrFieldNotWritable, Fields: denied}
	}
	if c.Values == nil {
		c.Values = forms.Values{}
	}
	for _, ch := range changes {
		c.Values.Set(ch.Section, ch.Field, ch.Value)
	}
	c.Version++
	c.UpdatedAt = now
	_, err := tx.NewUpdate().Model(c).Column("form_values", "version", "updated_at").WherePK().Exec(ctx)
	return err
}

func paths(changes []forms.Change) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.Path()
	}
	return out
}

func caseTitle(proc *forms.Procedure, title *string) (string, error) {
	if title == nil {
		return proc.Name, nil
	}
	t := strings.TrimSpace(*title)
	if t == "" || len(t) > 300 || !forms.ValidText(t) {
		return "", apperr.Input("title", "must have 1 to 300 characters")
	}
	return t, nil
}

// checkLinks checks that the project, client and position a case names exist.
func checkLinks(ctx context.Context, db bun.IDB, in CreateInput) error {
	for _, l := range []struct {
		field, table string
		id           *string
	}{{"projectId", "projects", in.ProjectID}, {"clientId", "clients", in.ClientID}, {"positionId", "positions", in.PositionID}} {
		if l.id == nil {
			continue
		}
		if !database.ValidUUID(*l.id) {
			return apperr.Input(l.field, "no such "+strings.TrimSuffix(l.table, "s"))
		}
		ok, err := db.NewSelect().TableExpr(l.table).Where("id = ?", *l.id).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Input(l.field, "no such "+strings.TrimSuffix(l.table, "s"))
		}
	}
	return nil
}

// checkAssignees requires active employees (not guest accounts: a task opens the case to its
// holder, which is the organisation's to give); the system user only when allowSystem.
func checkAssignees(ctx context.Context, db bun.IDB, ids []string, allowSystem bool) error {
	for _, id := range ids {
		if id == access.SystemUserID && allowSystem {
			continue
		}
		if !database.ValidUUID(id) {
			return apperr.Input("assigneeIds", fmt.Sprintf("no such user %q", id))
		}
		ok, err := db.NewSelect().TableExpr("users").Where("id = ? AND status = 'ACTIVE' AND NOT is_system AND contact_id IS NULL", id).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Input("assigneeIds", fmt.Sprintf("%s is not an active user", id))
		}
	}
	return nil
}

// Task is a workflow task on a case: its holder is the assignee while it is active.
type Task struct {
	bun.BaseModel `bun:"table:case_tasks,alias:t"`

	ID          string     `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	CaseID      string     `bun:"case_id,type:uuid,notnull"`
	UserID      string     `bun:"user_id,type:uuid,notnull"`
	Stage       string     `bun:"stage,notnull"`
	Active      bool       `bun:"active,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	CompletedAt *time.Time `bun:"completed_at"`
}

func addTasks(ctx context.Context, db bun.IDB, caseID, stage string, users []string, now time.Time) error {
	seen := map[string]bool{}
	var tasks []Task
	for _, u := range users {
		if !seen[u] {
			seen[u] = true
			tasks = append(tasks, Task{CaseID: caseID, UserID: u, Stage: stage, Active: true, CreatedAt: now})
		}
	}
	if len(tasks) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&tasks).Exec(ctx)
	return err
}
