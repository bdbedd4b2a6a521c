package server

import (
	"context"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// HTTP status of GraphQL requests that fail before their operation runs, as GraphQL over HTTP
// has it. What matters is the media type of the response, which gqlgen picks from the request's
// Accept header:
//
//   - application/json (also for Accept */*, or none): 200, as for any GraphQL response, since
//     legacy clients read the body only when the status is 2xx;
//   - application/graphql-response+json: 400, since the response says no more than the status
//     does: the request was not executed.
//
// A request that is not a GraphQL request at all (a body that is not JSON, parameters of the wrong
// type, no query) is 400 in either case, and so are the transports' own refusals (codedTransport).
// Failures of the HTTP edge keep their own status: 401 for a token that does not work, 405, 413,
// 415, 429. Errors during execution are 200 with data, as ever.

// graphqlResponseJSON is the media type of GraphQL over HTTP's responses.
const graphqlResponseJSON = "application/graphql-response+json"

// requestErrorStatus is the status of a response whose request failed before its operation ran,
// with errs; contentType is the response's.
func requestErrorStatus(contentType string, errs gqlerror.List) int {
	for _, e := range errs {
		if e.Extensions["reason"] == reasonBadRequest {
			return http.StatusBadRequest
		}
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == graphqlResponseJSON {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// withoutData is a GraphQL response to a request that did not run: GraphQL leaves out its data
// entry (graphql.Response always writes one, null).
type withoutData struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// requireQuery refuses a request without a query, which gqlgen would take for a document without
// operations (a validation failure): a request missing its one required parameter is not a GraphQL
// request at all.
type requireQuery struct{}

var (
	_ graphql.HandlerExtension          = requireQuery{}
	_ graphql.OperationParameterMutator = requireQuery{}
)

func (requireQuery) ExtensionName() string                   { return "CasegateRequireQuery" }
func (requireQuery) Validate(graphql.ExecutableSchema) error { return nil }
func (requireQuery) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if strings.TrimSpace(p.Query) != "" {
		return nil
	}
	err := gqlerror.Errorf("the request has no query: a GraphQL request needs the parameter query, a string holding a GraphQL document")
	err.Extensions = map[string]any{"code": "BAD_USER_INPUT", "reason": reasonBadRequest}
	return err
}
