package forms

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
)

// storedSettings is an administrator's override of one section's or field's settings, as JSON.
// A nil part keeps the schema's default.
type storedSettings struct {
	Internal        *access.Mode       `json:"internal,omitempty"`
	External        *access.Mode       `json:"external,omitempty"`
	StageExceptions *[]storedException `json:"stageExceptions,omitempty"`
	VisibleOnlyFor  *[]storedRef       `json:"visibleOnlyFor,omitempty"`
	ModifyOnlyFor   *[]storedRef       `json:"modifyOnlyFor,omitempty"`
}

type storedException struct {
	Stage    string      `json:"stage"`
	Internal access.Mode `json:"internal,omitempty"`
	External access.Mode `json:"external,omitempty"`
}

type storedRef struct {
	UserID  string `json:"userId,omitempty"`
	GroupID string `json:"groupId,omitempty"`
}

type settingsRow struct {
	bun.BaseModel `bun:"table:procedure_settings,alias:ps"`

	Procedure string          `bun:"procedure,pk"`
	Target    string          `bun:"target,pk"`
	Settings  json.RawMessage `bun:"settings,type:jsonb,notnull"`
	UpdatedAt time.Time       `bun:"updated_at,notnull"`
}

type grantRow struct {
	bun.BaseModel `bun:"table:procedure_grants,alias:pg"`

	ID        string       `bun:"id,pk,type:uuid,default:gen_random_uuid()" json:"-"`
	Procedure string       `bun:"procedure,notnull" json:"-"`
	UserID    *string      `bun:"user_id,type:uuid" json:"userId"`
	GroupID   *string      `bun:"group_id,type:uuid" json:"groupId"`
	Level     access.Right `bun:"level,notnull" json:"level"`
	CreatedAt time.Time    `bun:"created_at,notnull" json:"-"`
}

// Effective are the settings in force for one section or field, and whether an administrator
// changed them.
type Effective struct {
	access.Settings
	Overridden bool
}

// Compiled is a procedure's settings in force: per section and field, and as the engine's Form.
type Compiled struct {
	Procedure *Procedure
	Sections  []Effective
	Fields    [][]Effective
	Form      *access.Form
	outsider  bool // a view for a temporary-access person (ForOutsider)
}

// Compile loads the administrators' overrides and the procedure-level grants of proc and merges
// them over the schema's defaults. One round trip per procedure and request.
func Compile(ctx context.Context, db bun.IDB, proc *Procedure) (*Compiled, error) {
	var rawSettings, rawGrants string
	err := db.NewRaw(`SELECT
		COALESCE((SELECT json_agg(json_build_object('procedure', s.procedure, 'target', s.target, 'settings', s.settings))
			FROM procedure_settings s WHERE s.procedure = ?), '[]'),
		COALESCE((SELECT json_agg(json_build_object('procedure', g.procedure, 'userId', g.user_id, 'groupId', g.group_id, 'level', g.level))
			FROM procedure_grants g WHERE g.procedure = ?), '[]')`, proc.Key, proc.Key).Scan(ctx, &rawSettings, &rawGrants)
	if err != nil {
		return nil, fmt.Errorf("load procedure settings: %w", err)
	}
	set, err := decodeSet([]*Procedure{proc}, 0, rawSettings, rawGrants)
	if err != nil {
		return nil, err
	}
	return set.Get(proc.Key), nil
}

// CompiledSet is every procedure's settings in force at one version of procedure_settings_version.
type CompiledSet struct {
	Version int64
	byKey   map[string]*Compiled
}

// Get returns one procedure's settings; nil for a procedure the set was not compiled for.
func (s *CompiledSet) Get(key string) *Compiled { return s.byKey[key] }

// CompileAll loads the overrides and grants of every procedure, and the version they are at, in one
// statement (one snapshot), and compiles them.
func CompileAll(ctx context.Context, db bun.IDB, procs []*Procedure) (*CompiledSet, error) {
	var version int64
	var rawSettings, rawGrants string
	err := db.NewRaw(`SELECT (SELECT version FROM procedure_settings_version),
		COALESCE((SELECT json_agg(json_build_object('procedure', s.procedure, 'target', s.target, 'settings', s.settings))
			FROM procedure_settings s), '[]'),
		COALESCE((SELECT json_agg(json_build_object('procedure', g.procedure, 'userId', g.user_id, 'groupId', g.group_id, 'level', g.level))
			FROM procedure_grants g), '[]')`).Scan(ctx, &version, &rawSettings, &rawGrants)
	if err != nil {
		return nil, fmt.Errorf("load procedure settings: %w", err)
	}
	return decodeSet(procs, version, rawSettings, rawGrants)
}

// decodeSet compiles procs from the JSON of their settings and grants rows.
func decodeSet(procs []*Procedure, version int64, rawSettings, rawGrants string) (*CompiledSet, error) {
	stored, err := decodeStored(rawSettings)
	if err != nil {
		return nil, err
	}
	byProc, err := decodeGrants(rawGrants)
	if err != nil {
		return nil, err
	}
	set := &CompiledSet{Version: version, byKey: make(map[string]*Compiled, len(procs))}
	for _, p := range procs {
		set.byKey[p.Key] = compile(p, stored[p.Key], byProc[p.Key])
	}
	return set, nil
}

// SettingsCache keeps the newest settings a process has compiled. It is fresh by proof, never by
// time: a request asks for the version its principal query read (access.Principal.SettingsVersion),
// and gets the cached set only when it is at that version or later; otherwise the settings are
// loaded again, with their version, in one statement. Version 0 (unknown) always loads.
type SettingsCache struct {
	mu  sync.Mutex
	set *CompiledSet
}

// At returns every procedure's settings at version min or later.
func (c *SettingsCache) At(ctx context.Context, db bun.IDB, procs []*Procedure, min int64) (*CompiledSet, error) {
	c.mu.Lock()
	set := c.set
	c.mu.Unlock()
	if min > 0 && set != nil && set.Version >= min {
		return set, nil
	}
	set, err := CompileAll(ctx, db, procs)
	if err != nil {
		return nil, err
	}
	// Only what is committed is shared: inside a transaction the version may be the transaction's
	// own, uncommitted one.
	if _, ok := db.(*bun.DB); ok {
		c.mu.Lock()
		if c.set == nil || set.Version > c.set.Version {
			c.set = set
		}
		c.mu.Unlock()
	}
	return set, nil
}

func compile(proc *Procedure, stored map[string]storedSettings, grants []grantRow) *Compiled {
	c := &Compiled{Procedure: proc, Sections: make([]Effective, len(proc.Sections)), Fields: make([][]Effective, len(proc.Sections))}
	sections := make([]access.SectionSettings, len(proc.Sections))
	for si, s := range proc.Sections {
		c.Sections[si] = merge(s.Internal, s.External, s.Exceptions, stored, s.Key)
		sections[si] = access.SectionSettings{Key: s.Key, Settings: c.Sections[si].Settings, Fields: make([]access.FieldSettings, len(s.Fields))}
		c.Fields[si] = make([]Effective, len(s.Fields))
		for fi, f := range s.Fields {
			c.Fields[si][fi] = merge(f.Internal, f.External, f.Exceptions, stored, s.Key+"."+f.Key)
			sections[si].Fields[fi] = access.FieldSettings{Key: f.Key, Settings: c.Fields[si][fi].Settings}
		}
	}
	var gs []access.Grant
	for _, g := range grants {
		gs = append(gs, access.Grant{Ref: access.Ref{UserID: deref(g.UserID), GroupID: deref(g.GroupID)}, Right: g.Level})
	}
	c.Form = access.NewForm(proc.Key, proc.KeepAccessAfterTask, sections, gs)
	return c
}

func merge(internal, external access.Mode, exceptions []access.StageMode, stored map[string]storedSettings, target string) Effective {
	e := Effective{Settings: access.Settings{Internal: internal, External: external, Exceptions: exceptions}}
	s, ok := stored[target]
	if !ok {
		return e
	}
	e.Overridden = true
	if s.Internal != nil {
		e.Internal = *s.Internal
	}
	if s.External != nil {
		e.External = *s.External
	}
	if s.StageExceptions != nil {
		e.Exceptions = make([]access.StageMode, len(*s.StageExceptions))
		for i, x := range *s.StageExceptions {
			e.Exceptions[i] = access.StageMode{Stage: x.Stage, Internal: x.Internal, External: x.External}
		}
	}
	if s.VisibleOnlyFor != nil {
		e.VisibleOnlyFor = refs(*s.VisibleOnlyFor)
	}
	if s.ModifyOnlyFor != nil {
		e.ModifyOnlyFor = refs(*s.ModifyOnlyFor)
	}
	return e
}

func refs(in []storedRef) []access.Ref {
	out := make([]access.Ref, len(in))
	for i, r := range in {
		out[i] = access.Ref{UserID: r.UserID, GroupID: r.GroupID}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
