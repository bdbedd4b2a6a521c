package scale

import (
	"fmt"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// bigTables get their secondary indexes dropped before the load and built again after it: one
// sorted build per index is several times faster than keeping each up to date row by row. Primary
// keys and constraints stay. The definitions are read from the catalogue, so the rebuilt indexes
// are exactly the migrations' (a unique one that fails to build means the generator made a
// duplicate).
var bigTables = []string{"cases", "case_tasks", "case_acl", "case_participants", "documents", "document_acl", "document_tasks"}

type indexDef struct {
	Name string `bun:"name"`
	Def  string `bun:"def"`
}

func (g *gen) dropIndexes() error {
	var defs []indexDef
	err := g.conn.NewRaw(`SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class t ON t.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
		WHERE t.relname = ANY(?)
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = t.oid)
		ORDER BY t.relname, ic.relname`, pgdialect.Array(bigTables)).Scan(g.ctx, &defs)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if err := g.exec(fmt.Sprintf(`DROP INDEX %q`, d.Name)); err != nil {
			return err
		}
	}
	g.indexes = defs
	g.cfg.Log("  dropped %d indexes", len(defs))
	return nil
}

func (g *gen) rebuildIndexes() error {
	for _, d := range g.indexes {
		t := time.Now()
		if err := g.exec(d.Def); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
		g.cfg.Log("  %-36s %v", d.Name, time.Since(t).Round(time.Millisecond))
	}
	return nil
}

// analyze vacuums and analyzes the whole database: the visibility map and hint bits are then set
// as autovacuum would leave them after a load, and the planner has statistics.
func (g *gen) analyze() error {
	return g.exec("VACUUM (ANALYZE)")
}
