package forms

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// Matrix is a procedure's access configuration as a table: every section and field × every stage
// × both audiences, at one version of its settings.
type Matrix struct {
	Compiled *Compiled
	Version  int
	// At is the time asked for, nil for the settings in force now.
	At   *time.Time
	Rows []MatrixRow
}

// MatrixRow is one section's or field's row.
type MatrixRow struct {
	Target         string
	IsSection      bool
	Name           string
	Cells          []access.MatrixCell
	VisibleOnlyFor []access.Ref
	ModifyOnlyFor  []access.Ref
}

// MatrixChange changes one cell: Stage "" is the base mode for every stage, else that stage's
// exception; Mode nil clears it (the base back to the schema's, the exception removed).
type MatrixChange struct {
	Target   string
	Stage    string
	External bool
	Mode     *access.Mode
}

// Matrix returns a procedure's access matrix now, or as it was at a time. Needs ADMIN.
func (s *Service) Matrix(ctx context.Context, p *access.Principal, procedure string, at *time.Time) (*Matrix, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	return loadMatrix(ctx, s.DB, proc, at)
}

// loadMatrix reads the overrides and procedure-level grants in force, and the version, in one
// statement: now from the tables, or at a time from the snapshots of the revision in force then
// (none before the first revision), and builds the matrix.
func loadMatrix(ctx context.Context, db bun.IDB, proc *Procedure, at *time.Time) (*Matrix, error) {
	var version int
	var rawSettings, rawGrants string
	var err error
	if at == nil {
		err = db.NewRaw(`SELECT
			(SELECT COALESCE(max(version), 0) FROM procedure_settings_revisions WHERE procedure = ?0),
			COALESCE((SELECT json_agg(json_build_object('procedure', s.procedure, 'target', s.target, 'settings', s.settings))
				FROM procedure_settings s WHERE s.procedure = ?0), '[]'),
			COALESCE((SELECT json_agg(json_build_object('procedure', g.procedure, 'userId', g.user_id, 'groupId', g.group_id, 'level', g.level))
				FROM procedure_grants g WHERE g.procedure = ?0), '[]')`, proc.Key).Scan(ctx, &version, &rawSettings, &rawGrants)
	} else {
		err = db.NewRaw(`WITH rev AS (SELECT version, settings, grants FROM procedure_settings_revisions
				WHERE procedure = ?0 AND changed_at <= ?1 ORDER BY version DESC LIMIT 1)
			SELECT COALESCE((SELECT version FROM rev), 0),
			COALESCE((SELECT json_agg(json_build_object('procedure', ?0::text, 'target', e.key, 'settings', e.value))
				FROM rev, jsonb_each(rev.settings) e), '[]'),
			COALESCE((SELECT json_agg(g || jsonb_build_object('procedure', ?0::text))
				FROM rev, jsonb_array_elements(rev.grants) g), '[]')`, proc.Key, *at).Scan(ctx, &version, &rawSettings, &rawGrants)
	}
	if err != nil {
		return nil, fmt.Errorf("load procedure settings: %w", err)
	}
	stored, err := decodeStored(rawSettings)
	if err != nil {
		return nil, err
	}
	gs, err := decodeGrants(rawGrants)
	if err != nil {
		return nil, err
	}
	m := buildMatrix(proc, stored[proc.Key], gs[proc.Key])
	m.Version, m.At = version, at
	return m, nil
}

// buildMatrix compiles a procedure's overrides and lays them out as its matrix.
func buildMatrix(proc *Procedure, st snapshot, grants []grantRow) *Matrix {
	c := compile(proc, st, grants)
	rows := access.Matrix(c.Form, proc.Stages, func(si, fi int) access.Origin {
		o := st[targetName(proc, si, fi)]
		return access.Origin{Internal: o.Internal != nil, External: o.External != nil}
	})
	m := &Matrix{Compiled: c, Rows: make([]MatrixRow, len(rows))}
	for i, r := range rows {
		sec := proc.Sections[r.SI]
		// A section's lists restrict all its fields, so its row shows them as a field's row does.
		e := c.Sections[r.SI]
		row := MatrixRow{Target: sec.Key, IsSection: true, Name: sec.Name, Cells: r.Cells}
		if r.FI >= 0 {
			e = c.Fields[r.SI][r.FI]
			row.Target, row.IsSection, row.Name = sec.Key+"."+sec.Fields[r.FI].Key, false, sec.Fields[r.FI].Name
		}
		row.VisibleOnlyFor, row.ModifyOnlyFor = nonNilRefs(e.VisibleOnlyFor), nonNilRefs(e.ModifyOnlyFor)
		m.Rows[i] = row
	}
	return m
}

func targetName(proc *Procedure, si, fi int) string {
	sec := proc.Sections[si]
	if fi < 0 {
		return sec.Key
	}
	return sec.Key + "." + sec.Fields[fi].Key
}

func nonNilRefs(r []access.Ref) []access.Ref {
	if r == nil {
		return []access.Ref{}
	}
	return r
}

// SetMatrix changes many cells and lists at once: all are validated together (every bad cell and
// list is named in one BAD_USER_INPUT), then applied in one transaction with one revision and one
// audit record listing them. version is the one the caller read; another meanwhile is CONFLICT.
// Needs ADMIN.
func (s *Service) SetMatrix(ctx context.Context, p *access.Principal, procedure string, version int, changes []MatrixChange, lists []MatrixList) (*Matrix, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	bad, err := checkMatrixInput(proc, changes, lists)
	if err != nil {
		return nil, err
	}
	if bad.err() != nil {
		// Refused before the transaction, but the unknown users and groups are named as well.
		if err := missingRefs(ctx, s.DB, proc, lists, bad); err != nil {
			return nil, err
		}
		return nil, bad.err()
	}
	_, err = s.write(ctx, p, proc, "setAccessMatrix", audit.Entry{Action: "procedure.access.matrix"}, &version,
		func(ctx context.Context, tx bun.Tx, st snapshot) (snapshot, error) {
			if err := missingRefs(ctx, tx, proc, lists, bad); err != nil {
				return nil, err
			}
			if err := bad.err(); err != nil {
				return nil, err
			}
			after := st.clone()
			for _, c := range changes {
				applyChange(proc, after, c)
			}
			for _, l := range lists {
				applyList(proc, after, l)
			}
			if err := checkConflicts(proc, st, after); err != nil {
				return nil, err
			}
			return after, nil
		})
	if err != nil {
		return nil, err
	}
	return loadMatrix(ctx, s.DB, proc, nil)
}

// badCells is BAD_USER_INPUT naming every bad cell, in the message and as a list.
func badCells(field string, cells, reasons []string) error {
	msg := make([]string, len(cells))
	for i := range cells {
		msg[i] = cells[i] + ": " + reasons[i]
	}
	return &apperr.InputError{Field: field, Reason: strings.Join(msg, "; "), Cells: cells}
}

// checkChanges validates every change on its own and against the others.
func checkChanges(proc *Procedure, changes []MatrixChange, bad *problems) {
	seen := map[string]bool{}
	for _, c := range changes {
		cell := access.CellName(c.Target, c.Stage, c.External)
		t, err := proc.ParseTarget("target", c.Target)
		if err != nil {
			bad.change(cell, fmt.Sprintf("%s has no section or field %q", proc.Key, c.Target))
			continue
		}
		if c.Stage != "" && !proc.HasStage(c.Stage) {
			bad.change(cell, fmt.Sprintf("%s has no stage %q", proc.Key, c.Stage))
			continue
		}
		if c.Mode != nil && *c.Mode == access.AsSection && !t.IsField() {
			bad.change(cell, "AS_SECTION is for fields only")
			continue
		}
		if seen[cell] {
			bad.change(cell, "changed twice")
			continue
		}
		seen[cell] = true
	}
}

// checkConflicts refuses overrides that make a field REQUIRED where its section is HIDDEN. Only
// cells the write makes so are refused: an older conflict (from the schema, say) does not block
// unrelated changes.
func checkConflicts(proc *Procedure, before, after snapshot) error {
	conflicts := func(st snapshot) []string {
		c := compile(proc, st, nil)
		return access.RequiredInHidden(c.Form, access.Matrix(c.Form, proc.Stages, func(int, int) access.Origin { return access.Origin{} }))
	}
	cells := access.NewCells(conflicts(before), conflicts(after))
	if len(cells) == 0 {
		return nil
	}
	reasons := make([]string, len(cells))
	for i := range reasons {
		reasons[i] = "a REQUIRED field in a HIDDEN section"
	}
	return badCells("changes", cells, reasons)
}

// applyChange sets or clears one cell of st, keeping the schema's exceptions when the result
// equals them and dropping an override that overrides nothing.
func applyChange(proc *Procedure, st snapshot, c MatrixChange) {
	t, _ := proc.ParseTarget("target", c.Target)
	target := t.String()
	o := st[target]
	if c.Stage == "" {
		if c.External {
			o.External = c.Mode
		} else {
			o.Internal = c.Mode
		}
	} else {
		schema := schemaExceptions(proc, t)
		list := slices.Clone(exceptionsOf(o, schema))
		i := slices.IndexFunc(list, func(e storedException) bool { return e.Stage == c.Stage })
		if i < 0 && c.Mode != nil {
			list = append(list, storedException{Stage: c.Stage})
			i = len(list) - 1
		}
		if i >= 0 {
			m := access.ModeUnset
			if c.Mode != nil {
				m = *c.Mode
			}
			if c.External {
				list[i].External = m
			} else {
				list[i].Internal = m
			}
			if list[i].Internal == access.ModeUnset && list[i].External == access.ModeUnset {
				list = slices.Delete(list, i, i+1)
			}
		}
		if slices.Equal(list, exceptionsOf(storedSettings{}, schema)) {
			o.StageExceptions = nil
		} else {
			o.StageExceptions = &list
		}
	}
	if o.empty() {
		delete(st, target)
	} else {
		st[target] = o
	}
}

func schemaExceptions(proc *Procedure, t Target) []access.StageMode {
	sec := proc.Sections[t.SI]
	if t.IsField() {
		return sec.Fields[t.FI].Exceptions
	}
	return sec.Exceptions
}

// decodeStored reads settings rows as JSON ({procedure, target, settings}) into overrides by
// procedure and target.
func decodeStored(rawSettings string) (map[string]snapshot, error) {
	var rows []struct {
		Procedure string          `json:"procedure"`
		Target    string          `json:"target"`
		Settings  json.RawMessage `json:"settings"`
	}
	if err := json.Unmarshal([]byte(rawSettings), &rows); err != nil {
		return nil, fmt.Errorf("decode procedure settings: %w", err)
	}
	stored := map[string]snapshot{}
	for _, r := range rows {
		var st storedSettings
		if err := json.Unmarshal(r.Settings, &st); err != nil {
			return nil, fmt.Errorf("decode settings of %s %s: %w", r.Procedure, r.Target, err)
		}
		if stored[r.Procedure] == nil {
			stored[r.Procedure] = snapshot{}
		}
		stored[r.Procedure][r.Target] = st
	}
	return stored, nil
}

// decodeGrants reads procedure grants as JSON into grants by procedure.
func decodeGrants(rawGrants string) (map[string][]grantRow, error) {
	var grants []struct {
		Procedure string `json:"procedure"`
		grantRow
	}
	if err := json.Unmarshal([]byte(rawGrants), &grants); err != nil {
		return nil, fmt.Errorf("decode procedure grants: %w", err)
	}
	byProc := map[string][]grantRow{}
	for _, g := range grants {
		byProc[g.Procedure] = append(byProc[g.Procedure], g.grantRow)
	}
	return byProc, nil
}
