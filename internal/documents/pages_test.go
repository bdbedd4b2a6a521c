package documents

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/listtest"
	"github.com/casegate/casegate/internal/relay"
)

// agreeOnPages walks List for p, three documents a page, and checks that the pages together are
// exactly the documents the engine lets p read, in the list's order, each once; also filtered by a
// case (the filtered list keeps VisibleDocuments). It returns 1 when p's unfiltered list takes the
// keyed form (access.KeyedDocuments).
func agreeOnPages(t *testing.T, s *Service, p *access.Principal, all []*Document) int {
	t.Helper()
	ctx := context.Background()
	ordered := listtest.InListOrder(all, func(d *Document) (time.Time, string) { return d.CreatedAt, d.ID })
	var inCase string
	for _, d := range ordered {
		if d.CaseID != nil {
			inCase = *d.CaseID
			break
		}
	}
	for _, f := range []Filter{{}, {CaseID: inCase}} {
		var want []string
		for _, d := range ordered {
			if access.DocumentRightsOn(p, d.Facts()).Right >= access.Read && (f.CaseID == "" || d.CaseID != nil && *d.CaseID == f.CaseID) {
				want = append(want, d.ID)
			}
		}
		who := fmt.Sprintf("principal %+v, filter %+v", p, f)
		got := listtest.Walk(t, who, 3, func(args relay.Args) (relay.Page[*Document], error) { return s.List(ctx, p, f, args) },
			func(d *Document) string { return d.ID })
		if !slices.Equal(got, want) {
			t.Fatalf("%s: List's pages give %d documents, the engine %d\nList:   %v\nengine: %v", who, len(got), len(want), got, want)
		}
	}
	if _, ok := access.KeyedDocuments(p, nil, 1); ok {
		return 1
	}
	return 0
}
