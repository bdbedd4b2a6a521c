package scale

import (
	"fmt"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/procedures"
)

// Shares of cases, per the issue.
const (
	casePositionShare    = 0.6
	caseClientShare      = 0.2
	caseProjectShare     = 0.1
	caseACLShare         = 0.3 // cases with 1–3 ACL entries
	caseParticipantShare = 0.1 // cases with 1–2 participants
)

// procedureWeights spread cases over the procedures; a procedure not named here weighs 1.
var procedureWeights = map[string]float64{"service-request": 5, "candidate-questionnaire": 2, "salary-change": 3}

// cases makes the cases, then their tasks, ACL entries and participants.
func (g *gen) cases() error {
	if err := g.step("cases", g.casesSQL()); err != nil {
		return err
	}
	if err := g.step("case tasks", g.caseTasksSQL()); err != nil {
		return err
	}
	if err := g.step("case acl", g.caseACLSQL()); err != nil {
		return err
	}
	return g.step("case participants", g.caseParticipantsSQL())
}

// casesSQL makes cfg.Cases cases in creation order (as a real table fills), three years up to
// End. The procedure is weighted; older cases are more often at the last stage; form values are
// filled for every field the generator knows (sections after the second once the case has left its
// first stage).
func (g *gen) casesSQL() string {
	c := g.cfg
	all := procedures.Registry.All()
	var total float64
	for _, p := range all {
		total += weight(p.Key)
	}
	var choose, nst, stages, title, form strings.Builder
	acc := 0.0
	choose.WriteString("CASE")
	for k, p := range all {
		acc += weight(p.Key) / total
		if k < len(all)-1 {
			fmt.Fprintf(&choose, " WHEN rp < %f THEN %d", acc, k)
		} else {
			fmt.Fprintf(&choose, " ELSE %d END", k)
		}
		fmt.Fprintf(&nst, " WHEN %d THEN %d", k, len(p.Stages))
		fmt.Fprintf(&stages, " WHEN %d THEN %s", k, arrayLit(p.Stages))
		fmt.Fprintf(&title, " WHEN %d THEN %s", k, titleExpr(p))
		fmt.Fprintf(&form, " WHEN %d THEN %s", k, formExpr(p))
	}
	step := c.End.Sub(g.start()).Seconds() / float64(c.Cases)
	return fmt.Sprintf(`INSERT INTO cases (id, procedure, stage, title, form_values, creator_id, project_id, client_id,
			position_id, version, created_at, updated_at)
		SELECT %s, (%s)[p + 1], (CASE p%s END)[sidx + 1], CASE p%s END, CASE p%s END,
			creator, project, client, position, 1 + sidx, created, created + sidx * interval '3 days'
		FROM (
			SELECT s.*, CASE WHEN random() < 0.9 - 0.7 * i / %d.0 THEN nst - 1 ELSE floor(random() * (nst - 1))::int END AS sidx
			FROM (
				SELECT s.*, CASE p%s END AS nst
				FROM (
					SELECT s.*, %s AS p
					FROM (
						SELECT i, random() AS rp, %s AS fn, %s AS ln, %s AS subj,
							%s + (i - 1 + random()) * interval '%f seconds' AS created,
							%s AS creator,
							CASE WHEN random() < %f THEN %s END AS position,
							CASE WHEN random() < %f THEN %s END AS client,
							CASE WHEN random() < %f THEN %s END AS project
						FROM generate_series(1, %d) i) s) s) s) s`,
		g.id("c", "i"), arrayLit(keys(all)), stages.String(), title.String(), form.String(),
		c.Cases, nst.String(), choose.String(),
		pick(firstNames), pick(lastNames), pick(subjects), ts(g.start()), step,
		g.randID("u", c.Users),
		casePositionShare, g.randID("p", c.Positions),
		caseClientShare, g.randID("k", c.Clients),
		caseProjectShare, g.randID("prj", projects),
		c.Cases)
}

func weight(key string) float64 {
	if w, ok := procedureWeights[key]; ok {
		return w
	}
	return 1
}

func keys(ps []*forms.Procedure) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

// titleExpr is a case's title by procedure, from the row's person or subject.
func titleExpr(p *forms.Procedure) string {
	switch p.Key {
	case "salary-change":
		return `'Zmiana wynagrodzenia: ' || fn || ' ' || ln`
	case "candidate-questionnaire":
		return `'Kandydat: ' || fn || ' ' || ln`
	case "service-request":
		return `subj || ' #' || i`
	}
	return fmt.Sprintf("'%s #' || i", strings.ReplaceAll(p.Name, "'", "''"))
}

// fieldValues are value expressions for the shipped procedures' fields, by field key.
var fieldValues = map[string]string{
	"firstName":          "fn",
	"lastName":           "ln",
	"employeeName":       "fn || ' ' || ln",
	"email":              "'kandydat' || i || '@example.pl'",
	"phone":              "'+48 ' || (500000000 + floor(random() * 99999999)::int)",
	"birthDate":          "to_char(date '1960-01-01' + floor(random() * 14000)::int, 'YYYY-MM-DD')",
	"address":            "'ul. ' || " + pick(streets) + " || ' ' || (1 + floor(random() * 120)::int) || ', ' || " + pick(cities),
	"education":          pick(educations),
	"previousEmployment": pick(jobs),
	"notes":              pick(sentences),
	"decision":           pick(decisions),
	"department":         pick(departments),
	"justification":      pick(justifications),
	"currentSalary":      decimal(4500, 15000),
	"requestedSalary":    decimal(5000, 18000),
	"subject":            "subj",
	"description":        pick(sentences) + " || ' ' || " + pick(sentences),
	"estimate":           decimal(100, 20000),
	"internalNotes":      pick(sentences),
}

// valueExpr is the value of a field: by key when known, else by type.
func valueExpr(f *forms.Field) string {
	if v, ok := fieldValues[f.Key]; ok {
		return v
	}
	switch f.Type {
	case forms.Decimal:
		return decimal(1, 10000)
	case forms.Date:
		return "to_char(date '2020-01-01' + floor(random() * 2000)::int, 'YYYY-MM-DD')"
	case forms.Int:
		return "floor(random() * 1000)::int"
	case forms.Float:
		return "round((random() * 1000)::numeric, 3)"
	case forms.Boolean:
		return "random() < 0.5"
	}
	return pick(sentences)
}

// formExpr is a procedure's form_values: section → field → value.
func formExpr(p *forms.Procedure) string {
	var sections []string
	for si, s := range p.Sections {
		var fields []string
		for _, f := range s.Fields {
			fields = append(fields, fmt.Sprintf("'%s', %s", f.Key, valueExpr(f)))
		}
		obj := "jsonb_build_object(" + strings.Join(fields, ", ") + ")"
		if si >= 2 {
			obj = "CASE WHEN sidx >= 1 THEN " + obj + " END"
		}
		sections = append(sections, fmt.Sprintf("'%s', %s", s.Key, obj))
	}
	return "jsonb_strip_nulls(jsonb_build_object(" + strings.Join(sections, ", ") + "))"
}

// stagesOf is a SQL expression for the stages array of the case c's procedure.
func stagesOf() string {
	var b strings.Builder
	b.WriteString("CASE c.procedure")
	for _, p := range procedures.Registry.All() {
		fmt.Fprintf(&b, " WHEN '%s' THEN %s", p.Key, arrayLit(p.Stages))
	}
	b.WriteString(" END")
	return b.String()
}

// caseTasksSQL gives each case one task per stage reached: the first stage's is the creator's
// (creating a case makes its creator the assignee), later ones random users'. The current stage's
// task is active unless the case is at its last stage; earlier ones are completed.
func (g *gen) caseTasksSQL() string {
	d := 3 * 24 * time.Hour
	return fmt.Sprintf(`INSERT INTO case_tasks (id, case_id, user_id, stage, active, created_at, completed_at, case_created_at)
		SELECT md5(c.id::text || ':t' || k)::uuid, c.id, CASE WHEN k = 1 THEN c.creator_id ELSE %s END,
			c.st[k], k = c.pos AND c.pos < c.n,
			c.created_at + (k - 1) * interval '%d seconds',
			CASE WHEN NOT (k = c.pos AND c.pos < c.n) THEN c.created_at + k * interval '%d seconds' END, c.created_at
		FROM (SELECT c.id, c.creator_id, c.created_at, x.st, array_position(x.st, c.stage) AS pos, cardinality(x.st) AS n
		      FROM cases c CROSS JOIN LATERAL (SELECT %s AS st) x) c
		CROSS JOIN LATERAL generate_series(1, CASE WHEN c.pos = c.n THEN c.pos - 1 ELSE c.pos END) k`,
		g.randID("u", g.cfg.Users), int(d.Seconds()), int(d.Seconds()), stagesOf())
}

// caseACLSQL gives a share of cases 1–3 entries, users or groups, distinct by construction
// (base + j·stride never wraps onto itself for j < 3): READ 60 %, WRITE 30 %, MANAGE 10 %, and
// allDocuments on 30 %.
func (g *gen) caseACLSQL() string {
	c := g.cfg
	return fmt.Sprintf(`INSERT INTO case_acl (case_id, user_id, group_id, level, all_documents, case_created_at)
		SELECT x.id, CASE WHEN x.isuser THEN %s END, CASE WHEN NOT x.isuser THEN %s END,
			CASE WHEN x.lv < 0.6 THEN 1 WHEN x.lv < 0.9 THEN 2 ELSE 3 END, x.alldocs, x.created_at
		FROM (
			SELECT s.id, s.created_at, s.bu, s.bg, j, random() < 0.6 AS isuser, random() AS lv, random() < 0.3 AS alldocs
			FROM (SELECT id, created_at, random() AS r, floor(random() * %d)::int AS bu, floor(random() * %d)::int AS bg,
			             least(1 + floor(random() * 3)::int, %d, %d) AS n FROM cases) s
			CROSS JOIN LATERAL generate_series(0, s.n - 1) j
			WHERE s.r < %f) x`,
		g.id("u", fmt.Sprintf("1 + (x.bu + x.j * %d) %% %d", max(1, c.Users/3), c.Users)),
		g.id("g", fmt.Sprintf("1 + (x.bg + x.j * %d) %% %d", max(1, c.Groups/3), c.Groups)),
		c.Users, c.Groups, c.Users, c.Groups, caseACLShare)
}

// caseParticipantsSQL gives a share of cases 1–2 participants: mostly users, some contacts.
func (g *gen) caseParticipantsSQL() string {
	c := g.cfg
	nc := g.companies()
	contacts := max(1, c.Clients-nc)
	return fmt.Sprintf(`INSERT INTO case_participants (case_id, user_id, contact_id, role, created_at, case_created_at)
		SELECT x.id, CASE WHEN x.isuser THEN %s END, CASE WHEN NOT x.isuser THEN %s END,
			CASE WHEN x.rr < 0.7 THEN 'PARTICIPANT' ELSE 'AUDITOR' END, x.created_at, x.created_at
		FROM (
			SELECT s.id, s.created_at, s.bu, s.bc, j, random() < 0.85 AS isuser, random() AS rr
			FROM (SELECT id, created_at, random() AS r, floor(random() * %d)::int AS bu, floor(random() * %d)::int AS bc,
			             1 + floor(random() * 2)::int AS n FROM cases) s
			CROSS JOIN LATERAL generate_series(0, s.n - 1) j
			WHERE s.r < %f) x`,
		g.id("u", fmt.Sprintf("1 + (x.bu + x.j * %d) %% %d", max(1, c.Users/2), c.Users)),
		g.id("k", fmt.Sprintf("%d + (x.bc + x.j * %d) %% %d", nc+1, max(1, contacts/2), contacts)),
		c.Users, contacts, caseParticipantShare)
}
