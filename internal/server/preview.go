package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
)

// previewOnlyGraphQL refuses the preview header, and a preview session's token, where they do not
// apply: uploads (writes), downloads and the schema. A download under a preview would also be
// audited as the previewed user's, which a preview must never write.
const previewOnlyGraphQL = "previews are read-only and run GraphQL queries only: send uploads, downloads and schema requests without " +
	auth.PreviewHeader + " and with your own session's token, not a preview session's"

// previewHeader returns the value of a request's preview header; ok is false when it has none. A
// header sent twice is joined, and then no user id.
func previewHeader(r *http.Request) (userID string, ok bool) {
	v := r.Header.Values(auth.PreviewHeader)
	if len(v) == 0 {
		return "", false
	}
	return strings.TrimSpace(strings.Join(v, ",")), true
}

// refusePreview answers a request whose preview header cannot apply, before anything runs.
func refusePreview(w http.ResponseWriter, status int, code, message string) {
	writeErrors(w, status, message, map[string]any{"code": code})
}

// previewOperation runs an operation of a request with the preview header (auth.PreviewHeader), or
// with a preview session's token (startPreview), as the user previewed: after principalOperation,
// which authenticated the one previewing, and before trustedOperation, so that everything after it,
// the rules of the previewed user's kind included, sees the previewed user's principal. Which
// operations run is access.PreviewRuns': queries, and in a preview session the mutations that end
// it, which run as the one previewing; anything else is FORBIDDEN before the user is looked up.
// auth.Service.Preview decides, loads and audits, for the header on every request and for a
// session on every request again, so a session ends with the rules that allowed it. Every response
// that ran says it is a preview in extensions.preview {userId, byUserId}.
func previewOperation(o Options, m *Metrics) graphql.OperationMiddleware {
	present := graph.PresentError(o.Logger)
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		viewer := auth.PrincipalFrom(ctx)
		headerID, header := auth.PreviewAsFrom(ctx)
		session := viewer.InPreviewSession()
		if !header && !session {
			return next(ctx)
		}
		refuse := func(err error) graphql.ResponseHandler {
			e := present(ctx, err)
			code, _ := e.Extensions["code"].(string)
			m.refused(code)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{e}})
		}
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation == nil {
			return refuse(access.PreviewErr(access.Decision{Rule: access.RulePreviewReadOnly}))
		}
		query := oc.Operation.Operation == ast.Query
		var fields []string // the root fields of anything but a query: only a session's end may run
		if !query {
			for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation", "Subscription"}) {
				fields = append(fields, f.Name)
			}
		}
		d := access.PreviewRuns(query, fields, session && !header)
		if !d.Allowed {
			return refuse(access.PreviewErr(d))
		}
		userID, by := headerID, viewer // the header: from the viewer's own session, or refused as nested
		if session && !header {
			userID, by = viewer.PreviewOf, viewer.Previewer()
		}
		shown := userID
		if d.Rule != access.RulePreviewEnd { // the session's end runs as the one previewing, as it is
			p, err := o.Auth.Preview(ctx, by, userID, oc.Operation.Name)
			if err != nil {
				return refuse(err)
			}
			ctx, shown = auth.WithPrincipal(ctx, p), p.UserID
		}
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp == nil {
				return nil
			}
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["preview"] = map[string]any{"userId": shown, "byUserId": viewer.NativeUserID}
			return resp
		}
	}
}
