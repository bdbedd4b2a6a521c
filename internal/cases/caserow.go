package cases

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// caseRowColumns are a case's columns (alias c) with its position's path, in the order caseRow
// scans them; withPeople's column follows.
const caseRowColumns = `c.id, c.procedure, c.stage, c.title, c.form_values, c.creator_id, c.project_id, c.client_id,
	c.position_id, c.version, c.created_at, c.updated_at, c.facts, pos.path AS position_path`

// caseRowSQL is caseSQL with its columns named in caseRow's order.
func caseRowSQL(param string) string {
	return bun.NewDB(nil, pgdialect.New()).NewSelect().TableExpr("cases AS c").ColumnExpr(caseRowColumns).
		Join("LEFT JOIN positions AS pos ON pos.id = c.position_id").Apply(withPeople).
		Where("c.id = ?", bun.Safe(param)).String()
}

// caseRow is one case's columns (caseRowSQL) as database/sql scans them into plain variables: the
// bytes of the driver's values, decoded straight into the Case (its JSON columns once, no copy in
// between). All columns are NULL when there is no such case; then the Case stays empty.
type caseRow struct {
	Case                                       Case
	id, procedure, stage, title, values        sql.RawBytes
	creatorID, projectID, clientID, positionID sql.RawBytes
	version                                    sql.NullInt64
	createdAt, updatedAt                       sql.NullTime
	facts, positionPath, people                sql.RawBytes
}

// Dest are the destinations of caseRowSQL's columns, in order.
func (r *caseRow) Dest() []any {
	return []any{&r.id, &r.procedure, &r.stage, &r.title, &r.values, &r.creatorID, &r.projectID, &r.clientID,
		&r.positionID, &r.version, &r.createdAt, &r.updatedAt, &r.facts, &r.positionPath, &r.people}
}

// Scanned decodes the scanned columns into Case, while they are still valid.
func (r *caseRow) Scanned() error {
	if r.id == nil {
		return nil
	}
	c := &r.Case
	c.ID, c.Procedure, c.Stage, c.Title = string(r.id), string(r.procedure), string(r.stage), string(r.title)
	c.CreatorID, c.ProjectID, c.ClientID, c.PositionID = optional(r.creatorID), optional(r.projectID), optional(r.clientID), optional(r.positionID)
	c.Version, c.CreatedAt, c.UpdatedAt = int(r.version.Int64), r.createdAt.Time, r.updatedAt.Time
	c.PositionPath = string(r.positionPath)
	if r.values != nil {
		if err := json.Unmarshal(r.values, &c.Values); err != nil {
			return fmt.Errorf("decode form values of case %s: %w", c.ID, err)
		}
	}
	return c.decode(r.facts, r.people)
}

// optional is a nullable text column: nil for NULL.
func optional(b sql.RawBytes) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}
