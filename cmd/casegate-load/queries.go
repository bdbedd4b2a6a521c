package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/casegate/casegate/internal/procedures"
)

// The list pages ask for what a list screen shows.
const (
	casesQuery = `query Cases($after: String) { cases(first: 50, after: $after) {
		edges { cursor node { id procedure { key } stage title createdAt creator { name } } }
		pageInfo { hasNextPage endCursor } } }`
	documentsQuery = `query Documents($after: String) { documents(first: 50, after: $after) {
		edges { cursor node { id title confidential createdAt author { name } } }
		pageInfo { hasNextPage endCursor } } }`
	// emptyQuery is the least an authenticated GraphQL request can ask.
	emptyQuery = `{ __typename }`
	loginQuery = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }`
)

// caseQuery is case(id) with all its fields: the generic query and the procedure's typed query
// with every section and field, in one request.
func caseQuery(procedure string) (string, error) {
	p := procedures.Registry.Get(procedure)
	if p == nil {
		return "", fmt.Errorf("unknown procedure %q", procedure)
	}
	var b strings.Builder
	b.WriteString(`query Case($id: ID!) {
	case(id: $id) { id stage title creator { name } assignees { name } access { rights grantedBy fields { field mode } } }
	`)
	fmt.Fprintf(&b, "%s(id: $id) { id", lowerFirst(p.TypeName))
	for _, s := range p.Sections {
		fmt.Fprintf(&b, " %s {", s.Key)
		for _, f := range s.Fields {
			b.WriteString(" " + f.Key)
		}
		b.WriteString(" }")
	}
	b.WriteString(" }\n}")
	return b.String(), nil
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// page is what the list queries return (cases or documents).
type page struct {
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID        string `json:"id"`
			Procedure *struct {
				Key string `json:"key"`
			} `json:"procedure"`
		} `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

// listData decodes either list's data.
type listData struct {
	Cases     *page `json:"cases"`
	Documents *page `json:"documents"`
}

func (d listData) page() *page {
	if d.Cases != nil {
		return d.Cases
	}
	if d.Documents != nil {
		return d.Documents
	}
	return &page{}
}
