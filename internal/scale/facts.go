package scale

import (
	"fmt"
	"time"
)

// factTables carry the triggers that rewrite cases.facts after every statement (migration
// case_facts). Row by row over a bulk load, and without the indexes the load drops, they would
// cost more than the load itself: the load turns them off and fills every case's facts once,
// set-based, after the indexes are built again.
var factTables = []string{"case_acl", "case_tasks", "case_participants", "case_field_modes"}

func (g *gen) factTriggers(enable bool) error {
	verb := "DISABLE"
	if enable {
		verb = "ENABLE"
	}
	for _, t := range factTables {
		for _, op := range []string{"insert", "update", "delete"} {
			if err := g.exec(fmt.Sprintf(`ALTER TABLE %q %s TRIGGER %q`, t, verb, t+"_facts_"+op)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) pauseFacts() error { return g.factTriggers(false) }

// fillFacts writes every case's facts and turns the triggers on again.
func (g *gen) fillFacts() error {
	t := time.Now()
	if err := g.exec("SELECT refresh_all_case_facts()"); err != nil {
		return err
	}
	g.cfg.Log("  case facts filled in %v", time.Since(t).Round(time.Millisecond))
	return g.factTriggers(true)
}
