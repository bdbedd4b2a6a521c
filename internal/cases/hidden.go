package cases

import (
	"context"
	"sort"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Hidden collects the paths of requested sections and fields that were hidden in one operation.
// By default they go to the response's extensions.hiddenFields (standard clients see no error);
// with AsErrors each is a FIELD_HIDDEN error instead.
type Hidden struct {
	AsErrors   bool
	mu         sync.Mutex
	paths      []string
	selections map[string][]requestedField
}

type hiddenKey struct{}

// WithHidden gives an operation its collector.
func WithHidden(ctx context.Context, h *Hidden) context.Context {
	return context.WithValue(ctx, hiddenKey{}, h)
}

func hiddenFrom(ctx context.Context) *Hidden {
	h, _ := ctx.Value(hiddenKey{}).(*Hidden)
	return h
}

// Paths returns the collected paths, sorted.
func (h *Hidden) Paths() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]string(nil), h.paths...)
	sort.Strings(out)
	return out
}

// reportHidden records the current field (alias "") or one of its requested children as hidden.
func reportHidden(ctx context.Context, alias string) {
	h := hiddenFrom(ctx)
	fc := graphql.GetFieldContext(ctx)
	if h == nil || fc == nil {
		return
	}
	path := fc.Path()
	if alias != "" {
		path = append(append(ast.Path{}, path...), ast.PathName(alias))
	}
	if h.AsErrors {
		graphql.AddError(ctx, &gqlerror.Error{Message: "this field is hidden from you", Path: path,
			Extensions: map[string]any{"code": "FIELD_HIDDEN"}})
		return
	}
	h.mu.Lock()
	h.paths = append(h.paths, path.String())
	h.mu.Unlock()
}
