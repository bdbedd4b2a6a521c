package cases

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
)

// ACLInput is one entry of setCaseAcl: exactly one of user, group and contact.
type ACLInput struct {
	UserID, GroupID, ContactID *string
	Rights                     []access.Right
	AllDocuments               bool
}

type aclRow struct {
	bun.BaseModel `bun:"table:case_acl,alias:a"`

	CaseID       string       `bun:"case_id,type:uuid,notnull"`
	UserID       *string      `bun:"user_id,type:uuid"`
	GroupID      *string      `bun:"group_id,type:uuid"`
	ContactID    *string      `bun:"contact_id,type:uuid"`
	Level        access.Right `bun:"level,notnull"`
	AllDocuments bool         `bun:"all_documents,notnull"`
}

// SetACL replaces a case's ACL. Needs MANAGE on the case, and only employees and the system user
// share cases (access.MayShareCase).
func (s *Service) SetACL(ctx context.Context, p *access.Principal, id string, entries []ACLInput) (*Case, error) {
	if err := access.MayShareCase(p).Err(); err != nil {
		return nil, err
	}
	rows := make([]aclRow, 0, len(entries))
	for i, e := range entries {
		r, err := aclEntry(id, i, e)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return s.manage(ctx, p, id, access.Manage, "case.acl", []string{"acl"}, func(ctx context.Context, tx bun.Tx, _ *Case) error {
		for i, r := range rows {
			if err := exists(ctx, tx, fmt.Sprintf("entries[%d]", i), r.UserID, r.GroupID, r.ContactID); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*aclRow)(nil)).Where("case_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.NewInsert().Model(&rows).Exec(ctx)
		if _, dup := database.UniqueViolation(err); dup {
			return apperr.Input("entries", "names the same user, group or contact twice")
		}
		return err
	})
}

func aclEntry(caseID string, i int, e ACLInput) (aclRow, error) {
	field := fmt.Sprintf("entries[%d]", i)
	if countSet(e.UserID, e.GroupID, e.ContactID) != 1 {
		return aclRow{}, apperr.Input(field, "give exactly one of userId, groupId and contactId")
	}
	if len(e.Rights) == 0 {
		return aclRow{}, apperr.Input(field, "rights must name READ, WRITE or MANAGE")
	}
	r := aclRow{CaseID: caseID, UserID: e.UserID, GroupID: e.GroupID, ContactID: e.ContactID, AllDocuments: e.AllDocuments}
	for _, right := range e.Rights {
		r.Level = max(r.Level, right)
	}
	return r, nil
}

// AddParticipant makes a user or contact a participant or auditor of a case. Needs WRITE, and only
// employees and the system user share cases (access.MayShareCase).
func (s *Service) AddParticipant(ctx context.Context, p *access.Principal, id string, userID, contactID *string, role Role) (*Case, error) {
	if err := access.MayShareCase(p).Err(); err != nil {
		return nil, err
	}
	if countSet(userID, contactID) != 1 {
		return nil, apperr.Input("userId", "give exactly one of userId and contactId")
	}
	if role != Participant && role != Auditor {
		return nil, apperr.Input("role", "must be PARTICIPANT or AUDITOR")
	}
	return s.manage(ctx, p, id, access.Write, "case.participant.add", []string{"participants"}, func(ctx context.Context, tx bun.Tx, _ *Case) error {
		if err := exists(ctx, tx, "userId", userID, nil, contactID); err != nil {
			return err
		}
		_, err := tx.NewRaw(`INSERT INTO case_participants (case_id, user_id, contact_id, role) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, coalesce(user_id, contact_id)) DO UPDATE SET role = EXCLUDED.role`, id, userID, contactID, role).Exec(ctx)
		return err
	})
}

// SetFieldMode sets (or, with mode nil, clears) a per-case mode override of a section ("section")
// or field ("section.field"): a workflow rule's setting that takes the place of the stage setting
// for this case, for both audiences. Needs MANAGE, and is for employees and the system user only
// (access.MayShareCase).
func (s *Service) SetFieldMode(ctx context.Context, p *access.Principal, id, target string, mode *access.Mode) (*Case, error) {
	if err := access.MayShareCase(p).Err(); err != nil {
		return nil, err
	}
	if mode != nil && *mode == access.AsSection {
		return nil, apperr.Input("mode", "a case override is REQUIRED, MODIFY, READ_ONLY or HIDDEN")
	}
	var canonical string
	return s.manage(ctx, p, id, access.Manage, "case.field_mode", []string{fieldModeChange + target}, func(ctx context.Context, tx bun.Tx, _ *Case) error {
		target := canonical // parsed by the check below, before this runs
		if mode == nil {
			_, err := tx.NewRaw(`DELETE FROM case_field_modes WHERE case_id = ? AND target = ?`, id, target).Exec(ctx)
			return err
		}
		_, err := tx.NewRaw(`INSERT INTO case_field_modes (case_id, target, mode) VALUES (?, ?, ?)
			ON CONFLICT (case_id, target) DO UPDATE SET mode = EXCLUDED.mode`, id, target, mode.String()).Exec(ctx)
		return err
	}, func(c *Case) error {
		proc, err := s.procedure(c.Procedure)
		if err != nil {
			return err
		}
		t, err := proc.ParseTarget("field", target)
		canonical = t.String()
		return err
	})
}

// manage runs change on a case the caller holds need on, bumps its version, audits it, and returns
// the case as it is afterwards, decided anew. One the caller can no longer read (it removed its own
// access) comes back with no rights, so every form value and mode is hidden from it.
func (s *Service) manage(ctx context.Context, p *access.Principal, id string, need access.Right, action string, fields []string,
	change func(context.Context, bun.Tx, *Case) error, checks ...func(*Case) error) (*Case, error) {
	if err := access.Authenticated(p).Err(); err != nil {
		return nil, err
	}
	var out *Case
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.manageIn(ctx, tx, p, id, need, action, fields, change, checks...)
		return err
	})
	forget(ctx, id)
	return out, err
}

// manageIn is manage inside a transaction the caller runs, for writes that change a case as part
// of a larger one (a temporary-access grant that moves the case).
func (s *Service) manageIn(ctx context.Context, tx bun.Tx, p *access.Principal, id string, need access.Right, action string, fields []string,
	change func(context.Context, bun.Tx, *Case) error, checks ...func(*Case) error) (*Case, error) {
	c, err := s.load(ctx, tx, p, id, true)
	if err != nil {
		return nil, err
	}
	if err := require(c, need); err != nil {
		return nil, err
	}
	for _, check := range checks {
		if err := check(c); err != nil {
			return nil, err
		}
	}
	if err := change(ctx, tx, c); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	if err := touch(ctx, tx, id, now); err != nil {
		return nil, err
	}
	out, err := s.fetch(ctx, tx, p, id, false)
	if err != nil {
		return nil, err
	}
	return out, audit.Append(ctx, tx, p, now, audit.Entry{Action: action, Entity: "case", EntityID: id, ChangedFields: fields})
}

func countSet(ids ...*string) int {
	n := 0
	for _, id := range ids {
		if id != nil && *id != "" {
			n++
		}
	}
	return n
}

// exists checks that the one user, group or contact set exists.
func exists(ctx context.Context, db bun.IDB, field string, userID, groupID, contactID *string) error {
	table, id := "users", userID
	switch {
	case groupID != nil && *groupID != "":
		table, id = "groups", groupID
	case contactID != nil && *contactID != "":
		table, id = "clients", contactID
	}
	if id == nil || !database.ValidUUID(*id) {
		return apperr.Input(field, "no such "+table[:len(table)-1])
	}
	q := db.NewSelect().TableExpr(table).Where("id = ?", *id)
	switch table {
	case "clients":
		q.Where("kind = 'CONTACT'")
	case "users":
		q.Where("NOT is_system")
	}
	ok, err := q.Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Input(field, "no such "+table[:len(table)-1])
	}
	return nil
}
