package server

import (
	"github.com/99designs/gqlgen/graphql"
)

// gqlgen and gqlparser code their own errors (parse, validation, variable coercion). casegate's
// clients see one vocabulary (docs/api.md, "Error codes"): those become BAD_USER_INPUT, with the
// original code kept in extensions.reason. PERSISTED_QUERY_NOT_FOUND stays: it is the automatic
// persisted queries protocol's signal to send the document, which clients look for by that code
// (persisted.go).
func normalizeCodes(resp *graphql.Response) *graphql.Response {
	if resp == nil {
		return nil
	}
	for _, e := range resp.Errors {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		code, _ := e.Extensions["code"].(string)
		switch code {
		case "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "COMPLEXITY_LIMIT_EXCEEDED":
			e.Extensions["code"] = "BAD_USER_INPUT"
			e.Extensions["reason"] = code
		case "":
			e.Extensions["code"] = "INTERNAL"
		}
	}
	return resp
}
