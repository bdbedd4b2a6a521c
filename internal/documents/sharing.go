package documents

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/notify"
)

// ACLInput is one entry of setDocumentAcl: a user or a group. For a user, no rights is a deny.
type ACLInput struct {
	UserID, GroupID *string
	Rights          []access.Right
}

type aclRow struct {
	bun.BaseModel `bun:"table:document_acl,alias:a"`

	DocumentID string       `bun:"document_id,type:uuid,notnull"`
	UserID     *string      `bun:"user_id,type:uuid"`
	GroupID    *string      `bun:"group_id,type:uuid"`
	Level      access.Right `bun:"level,notnull"`
}

// SetACL replaces a document's ACL. Needs MANAGE.
func (s *Service) SetACL(ctx context.Context, p *access.Principal, id string, entries []ACLInput) (*Document, error) {
	rows := make([]aclRow, len(entries))
	for i, e := range entries {
		field := fmt.Sprintf("entries[%d]", i)
		if (e.UserID == nil || *e.UserID == "") == (e.GroupID == nil || *e.GroupID == "") {
			return nil, apperr.Input(field, "give exactly one of userId and groupId")
		}
		rows[i] = aclRow{DocumentID: id, UserID: e.UserID, GroupID: e.GroupID}
		for _, r := range e.Rights {
			rows[i].Level = max(rows[i].Level, r)
		}
	}
	return s.change(ctx, p, id, access.Manage, "document.acl", func(ctx context.Context, tx bun.Tx, _ *Document) ([]string, error) {
		for i, r := range rows {
			table, ref := "users", r.UserID
			if r.GroupID != nil {
				table, ref = "groups", r.GroupID
			}
			if err := checkLink(ctx, tx, fmt.Sprintf("entries[%d]", i), table, ref); err != nil {
				return nil, err
			}
		}
		if _, err := tx.NewDelete().Model((*aclRow)(nil)).Where("document_id = ?", id).Exec(ctx); err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			_, err := tx.NewInsert().Model(&rows).Exec(ctx)
			if _, dup := database.UniqueViolation(err); dup {
				return nil, apperr.Input("entries", "names the same user or group twice")
			}
			if err != nil {
				return nil, err
			}
		}
		return []string{"acl"}, nil
	})
}

// Forward moves a document to another position (Ready_'s przekazanie): from then on the new
// position's holders have the POSITION rule, the old one's do not. Needs WRITE.
func (s *Service) Forward(ctx context.Context, p *access.Principal, id, positionID string) (*Document, error) {
	return s.change(ctx, p, id, access.Write, "document.forward", func(ctx context.Context, tx bun.Tx, d *Document) ([]string, error) {
		if err := checkLink(ctx, tx, "positionId", "positions", &positionID); err != nil {
			return nil, err
		}
		d.PositionID = &positionID
		_, err := tx.NewUpdate().Model(d).Column("position_id").WherePK().Exec(ctx)
		return []string{"positionId"}, err
	})
}

// Task is a workflow task on a document.
type Task struct {
	bun.BaseModel `bun:"table:document_tasks,alias:t"`

	ID          string     `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	DocumentID  string     `bun:"document_id,type:uuid,notnull"`
	UserID      string     `bun:"user_id,type:uuid,notnull"`
	Active      bool       `bun:"active,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	CompletedAt *time.Time `bun:"completed_at"`
}

// AssignTask gives a user an active workflow task on a document (rule ACTIVE_TASK). Needs WRITE.
// The assignee is mailed in the same transaction (Notify), unless it is the one assigning.
func (s *Service) AssignTask(ctx context.Context, p *access.Principal, id, userID string) (*Document, error) {
	return s.change(ctx, p, id, access.Write, "document.task.assign", func(ctx context.Context, tx bun.Tx, d *Document) ([]string, error) {
		ok := false
		if database.ValidUUID(userID) {
			var err error
			ok, err = tx.NewSelect().TableExpr("users").Where("id = ? AND status = 'ACTIVE' AND NOT is_system", userID).Exists(ctx)
			if err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, apperr.Input("userId", "no such active user")
		}
		now := s.Clock.Now()
		if _, err := tx.NewInsert().Model(&Task{DocumentID: id, UserID: userID, Active: true, CreatedAt: now}).Exec(ctx); err != nil {
			return nil, err
		}
		return []string{"tasks:" + userID}, s.Notify.DocumentTaskAssigned(ctx, tx, p, now, notify.DocumentRef{ID: d.ID, Title: d.Title}, userID)
	})
}

// CompleteTask ends a task: its holder loses ACTIVE_TASK, keeping only what other rules give.
// The holder completes its own task; someone with MANAGE on the document may complete any.
func (s *Service) CompleteTask(ctx context.Context, p *access.Principal, taskID string) (*Document, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	t := new(Task)
	if !database.ValidUUID(taskID) {
		return nil, apperr.NotFound("task")
	}
	if err := s.DB.NewSelect().Model(t).Where("id = ? AND active", taskID).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("task")
	} else if err != nil {
		return nil, fmt.Errorf("load task: %w", err)
	}
	need := access.Manage
	if t.UserID == p.UserID {
		need = access.Read
	}
	return s.change(ctx, p, t.DocumentID, need, "document.task.complete", func(ctx context.Context, tx bun.Tx, _ *Document) ([]string, error) {
		res, err := tx.NewUpdate().Model((*Task)(nil)).Set("active = false, completed_at = ?", s.Clock.Now()).
			Where("id = ? AND active", taskID).Exec(ctx)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("task")
		}
		return []string{"tasks:" + t.UserID}, nil
	})
}

// Tasks lists a document's tasks, newest first.
func (s *Service) Tasks(ctx context.Context, d *Document) ([]Task, error) {
	var out []Task
	err := s.DB.NewSelect().Model(&out).Where("document_id = ?", d.ID).OrderExpr("created_at DESC").Scan(ctx)
	return out, err
}

// Explain reports which rules give a user (the caller when userID is empty) what rights on a
// document. The caller must be able to read it; asking about another user needs ADMIN.
func (s *Service) Explain(ctx context.Context, p *access.Principal, id, userID string) (access.CaseRights, error) {
	if err := access.Internal(p).Err(); err != nil { // the rules name groups and positions: internals
		return access.CaseRights{}, err
	}
	d, err := s.Get(ctx, p, id)
	if err != nil {
		return access.CaseRights{}, err
	}
	if userID == "" || userID == p.UserID {
		return d.rights, nil
	}
	if err := access.Administer(p).Err(); err != nil {
		return access.CaseRights{}, err
	}
	who, err := s.Principal(ctx, userID)
	if err != nil {
		return access.CaseRights{}, err
	}
	return access.DocumentRightsOn(who, d.Facts()), nil
}
