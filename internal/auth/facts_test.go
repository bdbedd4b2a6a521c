package auth_test

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }

var id = dbtest.ID

// The groups, position rights and client grants kept on the user's row are those of the very
// next request after each change: a member added or removed, a right granted, widened or revoked,
// a subtree moved (its paths rewritten in one statement), a client granted or revoked, also by a
// bulk statement over several users and by a cascaded delete.
func TestPrincipalFactsFollowEveryChange(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(now)
	svc := &auth.Service{DB: db, Clock: clock, TTL: time.Hour, Settings: &settings.Service{DB: db, Clock: clock, Defaults: settings.Settings{TimeZone: "Europe/Warsaw"}}}

	u, other := id("user", 1), id("user", 2)
	g1, g2 := id("grp", 1), id("grp", 2)
	root, a, b, c := id("pos", 1), id("pos", 2), id("pos", 3), id("pos", 4) // root/a/b; c elsewhere
	k1, k2 := id("client", 1), id("client", 2)
	exec(`INSERT INTO users (id, email, name) VALUES (?, 'u@x.test', 'U'), (?, 'o@x.test', 'O')`, u, other)
	exec(`INSERT INTO groups (id, name) VALUES (?, 'G1'), (?, 'G2')`, g1, g2)
	exec(`INSERT INTO positions (id, parent_id, name, path) VALUES (?, NULL, 'R', ?), (?, ?, 'A', ?), (?, ?, 'B', ?), (?, NULL, 'C', ?)`,
		root, "/"+root+"/", a, root, "/"+root+"/"+a+"/", b, a, "/"+root+"/"+a+"/"+b+"/", c, "/"+c+"/")
	exec(`INSERT INTO clients (id, kind, name) VALUES (?, 'COMPANY', 'K1'), (?, 'COMPANY', 'K2')`, k1, k2)
	token, hash := session.NewToken()
	if err := session.Create(ctx, db, &session.Session{TokenHash: hash, Kind: access.KindInternal, UserID: &u, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	check := func(step string, groups []string, rights []access.PositionRight, clients []string) {
		t.Helper()
		for _, load := range []func() (*access.Principal, error){
			func() (*access.Principal, error) { return svc.Authenticate(ctx, token) },
			func() (*access.Principal, error) { return svc.PrincipalFor(ctx, u) },
		} {
			p, err := load()
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if len(p.Groups) == 0 && len(groups) == 0 {
				p.Groups = groups
			}
			if len(p.ClientGrants) == 0 && len(clients) == 0 {
				p.ClientGrants = clients
			}
			if len(p.PositionRights) == 0 && len(rights) == 0 {
				p.PositionRights = rights
			}
			if !reflect.DeepEqual(p.Groups, groups) || !reflect.DeepEqual(p.PositionRights, rights) || !reflect.DeepEqual(p.ClientGrants, clients) {
				t.Fatalf("%s: groups %v, rights %+v, clients %v; want %v, %+v, %v", step, p.Groups, p.PositionRights, p.ClientGrants, groups, rights, clients)
			}
		}
	}
	check("nothing yet", nil, nil, nil)

	exec(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?), (?, ?), (?, ?)`, g2, u, g1, u, g1, other)
	check("two groups (sorted)", []string{g1, g2}, nil, nil)
	exec(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, g2, u)
	check("a member removed", []string{g1}, nil, nil)
	exec(`UPDATE group_members SET group_id = ? WHERE group_id = ?`, g2, g1) // both users at once
	check("membership moved", []string{g2}, nil, nil)

	exec(`INSERT INTO position_rights (position_id, user_id, include_subtree) VALUES (?, ?, false)`, b, u)
	check("a position right", []string{g2}, []access.PositionRight{{PositionID: b, Path: "/" + root + "/" + a + "/" + b + "/"}}, nil)
	exec(`UPDATE position_rights SET include_subtree = true WHERE user_id = ?`, u)
	check("widened to the subtree", []string{g2}, []access.PositionRight{{PositionID: b, Path: "/" + root + "/" + a + "/" + b + "/", IncludeSubtree: true}}, nil)
	// a (with b under it) moves under c: every path of the subtree is rewritten in one statement.
	exec(`UPDATE positions SET parent_id = CASE WHEN id = ? THEN ? ELSE parent_id END,
		path = '/' || ? || '/' || substr(path, length(?) + 2) WHERE path LIKE ? || '%'`, a, c, c, "/"+root, "/"+root+"/"+a+"/")
	moved := "/" + c + "/" + a + "/" + b + "/"
	check("subtree moved", []string{g2}, []access.PositionRight{{PositionID: b, Path: moved, IncludeSubtree: true}}, nil)

	exec(`INSERT INTO client_grants (client_id, user_id) VALUES (?, ?), (?, ?)`, k2, u, k1, u)
	check("two clients (sorted)", []string{g2}, []access.PositionRight{{PositionID: b, Path: moved, IncludeSubtree: true}}, []string{k1, k2})
	exec(`DELETE FROM client_grants WHERE client_id = ? AND user_id = ?`, k1, u)
	check("a client revoked", []string{g2}, []access.PositionRight{{PositionID: b, Path: moved, IncludeSubtree: true}}, []string{k2})

	// Cascades: a deleted group, position and client take the facts with them.
	exec(`DELETE FROM groups WHERE id = ?`, g2)
	exec(`DELETE FROM position_rights WHERE position_id = ?`, b)
	exec(`DELETE FROM clients WHERE id = ?`, k2)
	check("all gone", nil, nil, nil)

	if p, err := svc.PrincipalFor(ctx, other); err != nil || len(p.Groups) != 0 {
		t.Fatalf("the other user after their group was deleted: %+v, %v", p, err)
	}
}

// Two transactions adding the same user to different groups at once: the second waits for the
// first's lock on the user's row and then reads its committed member, so neither group is lost.
func TestConcurrentMembershipsKeepBothGroups(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	u, g1, g2 := id("user", 1), id("grp", 1), id("grp", 2)
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, name) VALUES (?, 'u@x.test', 'U')`, u); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO groups (id, name) VALUES (?, 'G1'), (?, 'G2')`, g1, g2); err != nil {
		t.Fatal(err)
	}
	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, g1, u); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, g2, u)
		done <- err
	}()
	// The second statement is waiting on the user's row when the first commits.
	for waiting := false; !waiting; {
		if err := db.NewRaw(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO group_members%')`).Scan(ctx, &waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, err := (&auth.Service{DB: db}).PrincipalFor(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Groups, []string{g1, g2}) {
		t.Fatalf("groups after two concurrent memberships: %v", p.Groups)
	}
}
