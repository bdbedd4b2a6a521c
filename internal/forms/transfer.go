package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
)

// SettingsFileFormat is the version of the settings file this installation writes and reads.
const SettingsFileFormat = 1

// MaxSettingsFile bounds an imported settings file, in bytes (1 MiB): far above any procedure's
// settings, far below what would strain a request.
const MaxSettingsFile = 1 << 20

// settingsFile is a procedure's overrides as a file that moves between installations: users are
// named by e-mail and groups by name, since ids differ from one installation to another.
type settingsFile struct {
	Format    int          `json:"format"`
	Procedure string       `json:"procedure"`
	Targets   []fileTarget `json:"targets"`
}

type fileTarget struct {
	Target          string           `json:"target"`
	Internal        *access.Mode     `json:"internal,omitempty"`
	External        *access.Mode     `json:"external,omitempty"`
	StageExceptions *[]fileException `json:"stageExceptions,omitempty"`
	VisibleOnlyFor  *[]filePrincipal `json:"visibleOnlyFor,omitempty"`
	ModifyOnlyFor   *[]filePrincipal `json:"modifyOnlyFor,omitempty"`
}

type fileException struct {
	Stage    string      `json:"stage"`
	Internal access.Mode `json:"internal,omitempty"`
	External access.Mode `json:"external,omitempty"`
}

// filePrincipal is a user (by e-mail) or a group (by name).
type filePrincipal struct {
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
}

// ExportSettings writes a procedure's overrides as a settings file, JSON or (asYAML) YAML. Needs
// ADMIN.
func (s *Service) ExportSettings(ctx context.Context, p *access.Principal, procedure string, asYAML bool) (string, error) {
	if err := access.Administer(p).Err(); err != nil {
		return "", err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return "", err
	}
	st, err := loadSnapshot(ctx, s.DB, proc.Key)
	if err != nil {
		return "", err
	}
	var ids []string
	for _, o := range st {
		for _, l := range []*[]storedRef{o.VisibleOnlyFor, o.ModifyOnlyFor} {
			if l != nil {
				for _, r := range *l {
					ids = append(ids, r.UserID+r.GroupID)
				}
			}
		}
	}
	names := map[string]filePrincipal{}
	if len(ids) > 0 {
		var rows []struct {
			ID    string
			User  string
			Group string
		}
		if err := s.DB.NewRaw(`SELECT id::text, email AS "user", '' AS "group" FROM users WHERE id IN (?0)
			UNION ALL SELECT id::text, '', name FROM groups WHERE id IN (?0)`, bun.In(ids)).Scan(ctx, &rows); err != nil {
			return "", err
		}
		for _, r := range rows {
			names[r.ID] = filePrincipal{User: r.User, Group: r.Group}
		}
	}
	file := settingsFile{Format: SettingsFileFormat, Procedure: proc.Key, Targets: []fileTarget{}}
	for si, sec := range proc.Sections {
		for fi := -1; fi < len(sec.Fields); fi++ {
			target := targetName(proc, si, fi)
			o, ok := st[target]
			if !ok {
				continue
			}
			t := fileTarget{Target: target, Internal: o.Internal, External: o.External,
				VisibleOnlyFor: principals(o.VisibleOnlyFor, names), ModifyOnlyFor: principals(o.ModifyOnlyFor, names)}
			if o.StageExceptions != nil {
				ex := make([]fileException, len(*o.StageExceptions))
				for i, e := range *o.StageExceptions {
					ex[i] = fileException(e)
				}
				t.StageExceptions = &ex
			}
			file.Targets = append(file.Targets, t)
		}
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return "", err
	}
	if asYAML {
		if b, err = yaml.JSONToYAML(b); err != nil {
			return "", err
		}
	}
	return string(b), nil
}

// principals names a list's users and groups; one deleted since it was listed is left out, as it
// grants nothing.
func principals(l *[]storedRef, names map[string]filePrincipal) *[]filePrincipal {
	if l == nil {
		return nil
	}
	out := make([]filePrincipal, 0, len(*l))
	for _, r := range *l {
		if n, ok := names[r.UserID+r.GroupID]; ok {
			out = append(out, n)
		}
	}
	return &out
}

// ImportSettings replaces a procedure's overrides with a settings file's, validated as a whole
// (every bad target, stage or principal named in one BAD_USER_INPUT), in one transaction with one
// revision and audit record. version, when given, must be the one the caller read. Needs ADMIN.
func (s *Service) ImportSettings(ctx context.Context, p *access.Principal, procedure, content string, asYAML bool, version *int) (*Matrix, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	proc, err := s.Procedure(procedure)
	if err != nil {
		return nil, err
	}
	file, err := parseSettingsFile(proc, content, asYAML)
	if err != nil {
		return nil, err
	}
	if err := checkFile(proc, file); err != nil {
		return nil, withUnknownPrincipals(ctx, s.DB, file, err)
	}
	_, err = s.write(ctx, p, proc, "importAccessSettings", audit.Entry{Action: "procedure.access.import"}, version,
		func(ctx context.Context, tx bun.Tx, before snapshot) (snapshot, error) {
			after, err := resolveFile(ctx, tx, file)
			if err != nil {
				return nil, err
			}
			if err := checkConflicts(proc, before, after); err != nil {
				return nil, err
			}
			return after, nil
		})
	if err != nil {
		return nil, err
	}
	return loadMatrix(ctx, s.DB, proc, nil)
}

func parseSettingsFile(proc *Procedure, content string, asYAML bool) (*settingsFile, error) {
	if len(content) > MaxSettingsFile {
		return nil, apperr.OverLimit("content", strconv.Itoa(MaxSettingsFile), fmt.Sprintf("a settings file has at most %d bytes", MaxSettingsFile))
	}
	b := []byte(content)
	if asYAML {
		var err error
		if b, err = yaml.YAMLToJSON(b); err != nil {
			return nil, apperr.Input("content", "not YAML: "+firstLine(err.Error()))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var file settingsFile
	if err := dec.Decode(&file); err != nil {
		return nil, apperr.Input("content", "not a settings file: "+firstLine(err.Error()))
	}
	if file.Format != SettingsFileFormat {
		return nil, apperr.Input("content", fmt.Sprintf("format %d is not one this installation reads (%d)", file.Format, SettingsFileFormat))
	}
	if file.Procedure != proc.Key {
		return nil, apperr.Input("procedure", fmt.Sprintf("the file holds the settings of %q, not of %q", file.Procedure, proc.Key))
	}
	return &file, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// checkFile validates the file's targets, modes and stages, naming every bad one.
func checkFile(proc *Procedure, file *settingsFile) error {
	var cells, reasons []string
	bad := func(cell, reason string) { cells, reasons = append(cells, cell), append(reasons, reason) }
	seen := map[string]bool{}
	for _, t := range file.Targets {
		pt, err := proc.ParseTarget("target", t.Target)
		if err != nil {
			bad(t.Target, fmt.Sprintf("%s has no section or field %q", proc.Key, t.Target))
			continue
		}
		if seen[t.Target] {
			bad(t.Target, "listed twice")
			continue
		}
		seen[t.Target] = true
		for _, ext := range [2]bool{false, true} {
			m := t.Internal
			if ext {
				m = t.External
			}
			if m == nil {
				continue
			}
			cell := access.CellName(t.Target, "", ext)
			switch {
			case *m == access.ModeUnset:
				bad(cell, "no mode given")
			case *m == access.AsSection && !pt.IsField():
				bad(cell, "AS_SECTION is for fields only")
			}
		}
		if t.StageExceptions != nil {
			stages := map[string]bool{}
			for _, e := range *t.StageExceptions {
				cell := t.Target + "@" + e.Stage
				switch {
				case !proc.HasStage(e.Stage):
					bad(cell, fmt.Sprintf("%s has no stage %q", proc.Key, e.Stage))
				case stages[e.Stage]:
					bad(cell, "stage listed twice")
				case e.Internal == access.ModeUnset && e.External == access.ModeUnset:
					bad(cell, "the exception sets neither internal nor external")
				case !pt.IsField() && (e.Internal == access.AsSection || e.External == access.AsSection):
					bad(cell, "AS_SECTION is for fields only")
				}
				stages[e.Stage] = true
			}
		}
		for list, l := range map[string]*[]filePrincipal{"visibleOnlyFor": t.VisibleOnlyFor, "modifyOnlyFor": t.ModifyOnlyFor} {
			if l == nil {
				continue
			}
			for _, r := range *l {
				if (r.User == "") == (r.Group == "") {
					bad(t.Target+":"+list, "each entry names exactly one of user and group")
				}
			}
		}
	}
	if len(cells) > 0 {
		return badCells("content", cells, reasons)
	}
	return nil
}

// withUnknownPrincipals adds to err, the file's own problems, the users and groups it names that
// this installation does not have, so that one answer names every problem of the file. The lookup
// is read-only; when it cannot run, err is returned as it is.
func withUnknownPrincipals(ctx context.Context, db bun.IDB, file *settingsFile, err error) error {
	var own, unknown *apperr.InputError
	if !errors.As(err, &own) {
		return err
	}
	if _, rerr := resolveFile(ctx, db, file); !errors.As(rerr, &unknown) {
		return err
	}
	return &apperr.InputError{Field: own.Field, Reason: own.Reason + "; " + unknown.Reason, Cells: append(slices.Clone(own.Cells), unknown.Cells...)}
}

// resolveFile turns the file into overrides, finding users by e-mail and groups by name; every
// one this installation does not have is named.
func resolveFile(ctx context.Context, db bun.IDB, file *settingsFile) (snapshot, error) {
	var emails, groupNames []string
	for _, t := range file.Targets {
		for _, l := range []*[]filePrincipal{t.VisibleOnlyFor, t.ModifyOnlyFor} {
			if l == nil {
				continue
			}
			for _, r := range *l {
				if r.User != "" {
					emails = append(emails, strings.ToLower(r.User))
				} else {
					groupNames = append(groupNames, strings.ToLower(r.Group))
				}
			}
		}
	}
	users, groups := map[string]string{}, map[string]string{}
	if len(emails)+len(groupNames) > 0 {
		var rows []struct{ Kind, Key, ID string }
		if err := db.NewRaw(`SELECT 'user' AS kind, lower(email) AS key, id::text AS id FROM users WHERE lower(email) IN (?)
			UNION ALL SELECT 'group', lower(name), id::text FROM groups WHERE lower(name) IN (?)`,
			bun.In(append(emails, "")), bun.In(append(groupNames, ""))).Scan(ctx, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Kind == "user" {
				users[r.Key] = r.ID
			} else {
				groups[r.Key] = r.ID
			}
		}
	}
	var cells, reasons []string
	refs := func(target, list string, l *[]filePrincipal) *[]storedRef {
		if l == nil {
			return nil
		}
		out := make([]storedRef, 0, len(*l))
		for _, r := range *l {
			if (r.User == "") == (r.Group == "") {
				continue // checkFile names it; only a file that failed it gets here with one
			}
			if r.User != "" {
				id, ok := users[strings.ToLower(r.User)]
				if !ok {
					cells, reasons = append(cells, target+":"+list), append(reasons, fmt.Sprintf("no user with e-mail %q", r.User))
				}
				out = append(out, storedRef{UserID: id})
				continue
			}
			id, ok := groups[strings.ToLower(r.Group)]
			if !ok {
				cells, reasons = append(cells, target+":"+list), append(reasons, fmt.Sprintf("no group named %q", r.Group))
			}
			out = append(out, storedRef{GroupID: id})
		}
		return &out
	}
	st := snapshot{}
	for _, t := range file.Targets {
		o := storedSettings{Internal: t.Internal, External: t.External,
			VisibleOnlyFor: refs(t.Target, "visibleOnlyFor", t.VisibleOnlyFor), ModifyOnlyFor: refs(t.Target, "modifyOnlyFor", t.ModifyOnlyFor)}
		if t.StageExceptions != nil {
			ex := make([]storedException, len(*t.StageExceptions))
			for i, e := range *t.StageExceptions {
				ex[i] = storedException(e)
			}
			o.StageExceptions = &ex
		}
		st[t.Target] = o
	}
	if len(cells) > 0 {
		return nil, badCells("content", cells, reasons)
	}
	return st, nil
}
