package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// snapshot is all of one procedure's overrides, by target.
type snapshot map[string]storedSettings

// Revision is one change of a procedure's access settings: the procedure's version after it, who
// made it, with which operation, and the cells it changed.
type Revision struct {
	bun.BaseModel `bun:"table:procedure_settings_revisions,alias:r"`

	Procedure string          `bun:"procedure,pk"`
	Version   int             `bun:"version,pk"`
	Settings  json.RawMessage `bun:"settings,type:jsonb,notnull"`
	// Grants are the procedure grants after the change (grantsSnapshot's form).
	Grants       json.RawMessage `bun:"grants,type:jsonb,notnull"`
	ChangedAt    time.Time       `bun:"changed_at,notnull"`
	UserID       *string         `bun:"user_id,type:uuid"`
	NativeUserID *string         `bun:"native_user_id,type:uuid"`
	ActorEmail   *string         `bun:"actor_email"`
	Operation    string          `bun:"operation,notnull"`
	Cells        []string        `bun:"cells,array,notnull"`
}

// settingsChange computes a procedure's overrides after a write from those before it, or refuses.
type settingsChange func(ctx context.Context, tx bun.Tx, before snapshot) (snapshot, error)

// write is how every write of a procedure's access settings or grants happens: in one transaction
// it serialises the procedure's writers, checks the version the caller read (when given), lets
// change compute the new overrides (and change the grants, for grant operations), stores the
// difference, and adds the revision (with both snapshots) and the audit record, both listing the
// cells that changed ("grants" when the grants did). It returns the new version.
func (s *Service) write(ctx context.Context, p *access.Principal, proc *Procedure, operation string, entry audit.Entry, version *int, change settingsChange) (int, error) {
	var next int
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// One writer per procedure at a time, so versions follow each other and a version check
		// cannot pass for two writers at once.
		if _, err := tx.NewRaw(`SELECT pg_advisory_xact_lock(hashtext('procedure_settings'), hashtext(?))`, proc.Key).Exec(ctx); err != nil {
			return err
		}
		current, err := latestVersion(ctx, tx, proc.Key)
		if err != nil {
			return err
		}
		if version != nil && *version != current {
			return fmt.Errorf("%w: the settings of %s were changed meanwhile (version %d, not %d): read them again", apperr.ErrConflict, proc.Key, current, *version)
		}
		before, err := loadSnapshot(ctx, tx, proc.Key)
		if err != nil {
			return err
		}
		grantsBefore, err := grantsSnapshot(ctx, tx, proc.Key)
		if err != nil {
			return err
		}
		after, err := change(ctx, tx, before.clone())
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if err := store(ctx, tx, proc.Key, before, after, now); err != nil {
			return err
		}
		grantsAfter, err := grantsSnapshot(ctx, tx, proc.Key)
		if err != nil {
			return err
		}
		cells := diffCells(proc, before, after)
		if grantsAfter != grantsBefore {
			cells = append(cells, "grants")
		}
		raw, err := json.Marshal(after)
		if err != nil {
			return err
		}
		next = current + 1
		rev := &Revision{Procedure: proc.Key, Version: next, Settings: raw, Grants: json.RawMessage(grantsAfter), ChangedAt: now, UserID: optional(p.UserID),
			NativeUserID: optional(p.NativeUserID), Operation: operation, Cells: cells}
		if p.Temporary != nil {
			rev.ActorEmail = optional(p.Temporary.Email)
		}
		if _, err := tx.NewInsert().Model(rev).Exec(ctx); err != nil {
			return err
		}
		entry.Entity = "procedure"
		if entry.EntityID == "" {
			entry.EntityID = proc.Key
		}
		entry.ChangedFields = cells
		return audit.Append(ctx, tx, p, now, entry)
	})
	return next, err
}

// latestVersion is a procedure's settings version: its latest revision, 0 when never changed.
func latestVersion(ctx context.Context, db bun.IDB, procedure string) (int, error) {
	var v int
	err := db.NewRaw(`SELECT COALESCE(max(version), 0) FROM procedure_settings_revisions WHERE procedure = ?`, procedure).Scan(ctx, &v)
	return v, err
}

// grantsSnapshot is a procedure's grants as a revision keeps them: [{userId, groupId, level}]
// ordered by principal, so that equal grants give equal text (the migration that added the
// column builds the same).
func grantsSnapshot(ctx context.Context, db bun.IDB, procedure string) (string, error) {
	var raw string
	err := db.NewRaw(`SELECT COALESCE(jsonb_agg(jsonb_build_object('userId', g.user_id, 'groupId', g.group_id, 'level', g.level)
		ORDER BY coalesce(g.user_id, g.group_id)), '[]') FROM procedure_grants g WHERE g.procedure = ?`, procedure).Scan(ctx, &raw)
	if err != nil {
		return "", fmt.Errorf("load procedure grants: %w", err)
	}
	return raw, nil
}

func loadSnapshot(ctx context.Context, db bun.IDB, procedure string) (snapshot, error) {
	var rows []settingsRow
	if err := db.NewSelect().Model(&rows).Where("procedure = ?", procedure).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(snapshot, len(rows))
	for _, r := range rows {
		var st storedSettings
		if err := json.Unmarshal(r.Settings, &st); err != nil {
			return nil, fmt.Errorf("decode settings of %s %s: %w", procedure, r.Target, err)
		}
		out[r.Target] = st
	}
	return out, nil
}

// store writes the targets whose overrides changed and deletes those that no longer have any.
func store(ctx context.Context, tx bun.Tx, procedure string, before, after snapshot, now time.Time) error {
	var gone []string
	for t := range before {
		if _, ok := after[t]; !ok {
			gone = append(gone, t)
		}
	}
	if len(gone) > 0 {
		if _, err := tx.NewDelete().Model((*settingsRow)(nil)).Where("procedure = ? AND target IN (?)", procedure, bun.In(gone)).Exec(ctx); err != nil {
			return err
		}
	}
	var rows []settingsRow
	for _, t := range after.targets() {
		b, err := json.Marshal(after[t])
		if err != nil {
			return err
		}
		if old, ok := before[t]; ok {
			if ob, _ := json.Marshal(old); bytes.Equal(ob, b) {
				continue
			}
		}
		rows = append(rows, settingsRow{Procedure: procedure, Target: t, Settings: b, UpdatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.NewInsert().Model(&rows).On("CONFLICT (procedure, target) DO UPDATE").
		Set("settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}

func (s snapshot) clone() snapshot {
	out := make(snapshot, len(s))
	for k, v := range s {
		out[k] = v.clone()
	}
	return out
}

func (s snapshot) targets() []string {
	out := make([]string, 0, len(s))
	for t := range s {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// clone copies the lists, so a change never edits the snapshot it started from.
func (st storedSettings) clone() storedSettings {
	if st.StageExceptions != nil {
		ex := slices.Clone(*st.StageExceptions)
		st.StageExceptions = &ex
	}
	if st.VisibleOnlyFor != nil {
		r := slices.Clone(*st.VisibleOnlyFor)
		st.VisibleOnlyFor = &r
	}
	if st.ModifyOnlyFor != nil {
		r := slices.Clone(*st.ModifyOnlyFor)
		st.ModifyOnlyFor = &r
	}
	return st
}

// empty reports whether an override overrides nothing (and need not be stored).
func (st storedSettings) empty() bool {
	return st.Internal == nil && st.External == nil && st.StageExceptions == nil && st.VisibleOnlyFor == nil && st.ModifyOnlyFor == nil
}

// diffCells names what differs between two snapshots of proc's overrides, in form order: a base
// mode as "target@*/AUDIENCE", a stage exception as "target@STAGE/AUDIENCE" (compared as in force,
// so replacing the schema's exceptions with equal ones changes nothing), a list as
// "target:visibleOnlyFor". Targets the procedure no longer has come last.
func diffCells(proc *Procedure, before, after snapshot) []string {
	cells := []string{}
	diff := func(target string, internal, external access.Mode, exceptions []access.StageMode) {
		b, a := before[target], after[target]
		for _, ext := range [2]bool{false, true} {
			if baseOf(b, ext) != baseOf(a, ext) {
				cells = append(cells, access.CellName(target, "", ext))
			}
		}
		stages := slices.Clone(proc.Stages)
		for _, l := range [][]storedException{exceptionsOf(b, exceptions), exceptionsOf(a, exceptions)} {
			for _, e := range l {
				if !slices.Contains(stages, e.Stage) {
					stages = append(stages, e.Stage)
				}
			}
		}
		for _, stage := range stages {
			for _, ext := range [2]bool{false, true} {
				if exceptionAt(exceptionsOf(b, exceptions), stage, ext) != exceptionAt(exceptionsOf(a, exceptions), stage, ext) {
					cells = append(cells, access.CellName(target, stage, ext))
				}
			}
		}
		if !sameRefs(b.VisibleOnlyFor, a.VisibleOnlyFor) {
			cells = append(cells, target+":visibleOnlyFor")
		}
		if !sameRefs(b.ModifyOnlyFor, a.ModifyOnlyFor) {
			cells = append(cells, target+":modifyOnlyFor")
		}
	}
	known := map[string]bool{}
	for _, sec := range proc.Sections {
		known[sec.Key] = true
		diff(sec.Key, sec.Internal, sec.External, sec.Exceptions)
		for _, f := range sec.Fields {
			known[sec.Key+"."+f.Key] = true
			diff(sec.Key+"."+f.Key, f.Internal, f.External, f.Exceptions)
		}
	}
	var unknown []string
	for _, s := range []snapshot{before, after} {
		for t := range s {
			if !known[t] && !slices.Contains(unknown, t) {
				unknown = append(unknown, t)
			}
		}
	}
	sort.Strings(unknown)
	for _, t := range unknown {
		diff(t, access.ModeUnset, access.ModeUnset, nil)
	}
	return cells
}

// baseOf is an override's base mode for one audience; ModeUnset when it keeps the schema's.
func baseOf(st storedSettings, external bool) access.Mode {
	m := st.Internal
	if external {
		m = st.External
	}
	if m == nil {
		return access.ModeUnset
	}
	return *m
}

// exceptionsOf is the list of stage exceptions in force: the override's, else the schema's.
func exceptionsOf(st storedSettings, schema []access.StageMode) []storedException {
	if st.StageExceptions != nil {
		return *st.StageExceptions
	}
	out := make([]storedException, len(schema))
	for i, e := range schema {
		out[i] = storedException{Stage: e.Stage, Internal: e.Internal, External: e.External}
	}
	return out
}

// exceptionAt is the exception's mode at stage for one audience, ModeUnset for none; the first
// entry that sets it wins, as access.ConfiguredAt reads it.
func exceptionAt(list []storedException, stage string, external bool) access.Mode {
	for _, e := range list {
		if e.Stage != stage {
			continue
		}
		m := e.Internal
		if external {
			m = e.External
		}
		if m != access.ModeUnset {
			return m
		}
	}
	return access.ModeUnset
}

func sameRefs(a, b *[]storedRef) bool {
	var x, y []storedRef
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return slices.Equal(x, y)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
