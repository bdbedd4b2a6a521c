package cases

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

// agreeOnPages walks List for p, three cases a page, unfiltered and filtered, and checks that the
// pages together are exactly the cases the engine lets p read, in the list's order, each once. It
// returns 1 when p's list takes the keyed form (access.KeyedCases).
func agreeOnPages(t *testing.T, s *Service, p *access.Principal, all []*Case) int {
	t.Helper()
	ctx := context.Background()
	ordered := listtest.InListOrder(all, func(c *Case) (time.Time, string) { return c.CreatedAt, c.ID })
	for _, f := range []Filter{{}, {Procedure: "keeps"}, {MyTasks: true}} {
		var want []string
		for _, c := range ordered {
			comp, err := s.compiled(ctx, s.DB, p, s.Registry.Get(c.Procedure))
			must(t, nil, err)
			if access.RightsOn(p, c.Facts(), comp.Form).Right < access.Read ||
				f.Procedure != "" && c.Procedure != f.Procedure || f.MyTasks && !slices.Contains(c.Assignees, p.UserID) {
				continue
			}
			want = append(want, c.ID)
		}
		who := fmt.Sprintf("principal %+v, filter %+v", p, f)
		got := listtest.Walk(t, who, 3, func(args relay.Args) (relay.Page[*Case], error) { return s.List(ctx, p, f, args) },
			func(c *Case) string { return c.ID })
		if !slices.Equal(got, want) {
			t.Fatalf("%s: List's pages give %d cases, the engine %d\nList:   %v\nengine: %v", who, len(got), len(want), got, want)
		}
	}
	if _, ok := access.KeyedCases(p, mustScope(t, s, s.DB, p), nil); ok {
		return 1
	}
	return 0
}
