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

// previewOnlyGraphQL refuses the preview header where it does not apply: uploads (writes),
// downloads and the schema. A download under a preview would also be audited as the previewed
// user's, which a preview must never write.
const previewOnlyGraphQL = "previews are read-only and run GraphQL queries only: send uploads, downloads and schema requests without " + auth.PreviewHeader

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

// previewOperation runs an operation of a request with the preview header (auth.PreviewHeader) as
// the user it names: after principalOperation, which authenticated the one previewing, and before
// trustedOperation, so that everything after it, the rules of the previewed user's kind included,
// sees the previewed user's principal. Only queries run (a mutation is FORBIDDEN, before the user
// is looked up); auth.Service.Preview decides, loads and audits. The response says it is a preview
// in extensions.preview {userId, byUserId}.
func previewOperation(o Options, m *Metrics) graphql.OperationMiddleware {
	present := graph.PresentError(o.Logger)
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		userID, ok := auth.PreviewAsFrom(ctx)
		if !ok {
			return next(ctx)
		}
		refuse := func(err error) graphql.ResponseHandler {
			e := present(ctx, err)
			code, _ := e.Extensions["code"].(string)
			m.refused(code)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{e}})
		}
		op := graphql.GetOperationContext(ctx).Operation
		if op == nil || op.Operation != ast.Query {
			return refuse(access.PreviewErr(access.Decision{Rule: access.RulePreviewReadOnly}))
		}
		viewer := auth.PrincipalFrom(ctx)
		p, err := o.Auth.Preview(ctx, viewer, userID, op.Name)
		if err != nil {
			return refuse(err)
		}
		h := next(auth.WithPrincipal(ctx, p))
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			if resp == nil {
				return nil
			}
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["preview"] = map[string]any{"userId": p.UserID, "byUserId": viewer.UserID}
			return resp
		}
	}
}
