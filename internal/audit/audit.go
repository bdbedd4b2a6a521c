// Package audit appends the audit trail: one record per write, inside the write's transaction, naming
// the effective and the native user. Records are never changed or deleted (the database refuses to).
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
)

// Record is one row of the audit log.
type Record struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID           int64       `bun:"id,pk,autoincrement"`
	At           time.Time   `bun:"at,notnull"`
	Kind         access.Kind `bun:"kind,notnull"`
	UserID       *string     `bun:"user_id,type:uuid"`
	NativeUserID *string     `bun:"native_user_id,type:uuid"`
	ContactID    *string     `bun:"contact_id,type:uuid"`
	GrantID      *string     `bun:"grant_id,type:uuid"`
	// SubstitutionID is the substitution the write was made in, when substituting.
	SubstitutionID *string  `bun:"substitution_id,type:uuid"`
	ActorEmail     *string  `bun:"actor_email"` // TEMPORARY: the person's e-mail (there is no user)
	Action         string   `bun:"action,notnull"`
	Entity         string   `bun:"entity,notnull"`
	EntityID       *string  `bun:"entity_id"`
	ChangedFields  []string `bun:"changed_fields,array,notnull"`
}

// Entry is what a write says about itself. ChangedFields names fields, never secret values.
type Entry struct {
	Action        string
	Entity        string
	EntityID      string
	ChangedFields []string
}

// Append writes the record for e by principal p at now. Pass the write's transaction as db.
//
// A preview principal writes nothing (access.MayWrite): since every write appends its record in
// its own transaction, refusing here rolls back any write a preview reaches, whatever the path.
func Append(ctx context.Context, db bun.IDB, p *access.Principal, now time.Time, e Entry) error {
	if err := access.PreviewErr(access.MayWrite(p)); err != nil {
		return err
	}
	if p == nil {
		p = &access.Principal{Kind: access.KindInternal} // anonymous flows (password reset) name no user
	}
	r := &Record{
		At:             now,
		Kind:           p.Kind,
		UserID:         optional(p.UserID),
		NativeUserID:   optional(p.NativeUserID),
		ContactID:      optional(p.ContactID),
		GrantID:        optional(p.GrantID),
		SubstitutionID: optional(p.SubstitutionID),
		ActorEmail:     actorEmail(p),
		Action:         e.Action,
		Entity:         e.Entity,
		EntityID:       optional(e.EntityID),
		ChangedFields:  e.ChangedFields,
	}
	if r.ChangedFields == nil {
		r.ChangedFields = []string{}
	}
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("append audit record: %w", err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// actorEmail is who wrote, when no user did: the e-mail of a temporary-access grant's person.
func actorEmail(p *access.Principal) *string {
	if p.Temporary == nil {
		return nil
	}
	return optional(p.Temporary.Email)
}
