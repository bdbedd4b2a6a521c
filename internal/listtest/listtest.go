// Package listtest walks the case and document lists page by page for the agreement tests, which
// compare the pages with the engine's decisions: the keyed form of the list predicates
// (access.KeyedCases, access.KeyedDocuments) is only seen through List.
package listtest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/relay"
)

// Walk follows a list from its first page to its last, size rows a page, each page after the
// previous one's cursor, and returns the ids in order. It fails the test on a short page that is
// not the last: List drops a row the engine denies, so a row the SQL adds shows as a short page.
func Walk[T any](t testing.TB, who string, size int, list func(relay.Args) (relay.Page[T], error), id func(T) string) []string {
	t.Helper()
	var out []string
	var after *string
	for range 1000 {
		page, err := list(relay.Args{First: &size, After: after})
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		for _, e := range page.Edges {
			out = append(out, id(e.Node))
		}
		if !page.HasNext {
			return out
		}
		if len(page.Edges) != size {
			t.Fatalf("%s: a page of %d rows before the last (the SQL gave a row the engine denies); so far %v", who, len(page.Edges), out)
		}
		after = page.EndCursor
	}
	t.Fatalf("%s: the list does not end", who)
	return nil
}

// InListOrder sorts rows as the lists order them: newest first, then by id, descending.
func InListOrder[T any](rows []T, key func(T) (time.Time, string)) []T {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b T) int {
		at, aid := key(a)
		bt, bid := key(b)
		if c := bt.Compare(at); c != 0 {
			return c
		}
		return cmp.Compare(bid, aid)
	})
	return out
}

// Narrowed is p without its broad rules (its position subtrees become exact positions, no
// client-data membership, no permissions), so that more of a test's random principals take the
// keyed form; nil when p has none of them or is not an internal user. The rules read the
// principal's facts, not the database's, so the copy is a principal of its own.
func Narrowed(p *access.Principal) *access.Principal {
	if p.Kind != access.KindInternal {
		return nil
	}
	n := *p
	n.PositionRights, n.Groups, n.Permissions = nil, nil, nil
	changed := len(p.Permissions) > 0
	for _, r := range p.PositionRights {
		changed = changed || r.IncludeSubtree
		r.IncludeSubtree = false
		n.PositionRights = append(n.PositionRights, r)
	}
	for _, g := range p.Groups {
		if g == access.ClientDataGroupID {
			changed = true
			continue
		}
		n.Groups = append(n.Groups, g)
	}
	if !changed {
		return nil
	}
	return &n
}
