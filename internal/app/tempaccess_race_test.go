package app_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/gqltest"
)

// waitForLockWaits waits until n statements of the test's database wait for a lock, or until done
// yields (a request did not wait at all).
func waitForLockWaits(t *testing.T, s *gqltest.Server, n int, done <-chan *gqltest.Response) *gqltest.Response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case r := <-done:
			return r
		default:
		}
		if s.Count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) >= n {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the request neither waited for a lock nor finished")
	return nil
}

func waitForLockWait(t *testing.T, s *gqltest.Server, done <-chan *gqltest.Response) *gqltest.Response {
	t.Helper()
	return waitForLockWaits(t, s, 1, done)
}

// revokeBegun is a revocation caught half way, the way Revoke goes: the case is locked, the grant
// updated, its sessions and codes are deleted next.
func revokeBegun(t *testing.T, s *gqltest.Server, caseID, grantID string) bun.Tx {
	t.Helper()
	tx, err := s.DB.BeginTx(context.Background(), &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	if _, err := tx.ExecContext(context.Background(), `SET LOCAL lock_timeout = '5s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), `SELECT id FROM cases WHERE id = ? FOR UPDATE`, caseID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), `UPDATE temporary_access_grants SET revoked_at = now() WHERE id = ?`, grantID); err != nil {
		t.Fatal(err)
	}
	return tx
}

// whileRevoking runs do while a revocation is half way (revokeBegun) and requires it to wait for
// the revocation; the caller ends the revocation (endSessions) or rolls it back, then awaits.
func whileRevoking(t *testing.T, s *gqltest.Server, caseID, grantID string, do func() *gqltest.Response) (bun.Tx, <-chan *gqltest.Response) {
	t.Helper()
	tx := revokeBegun(t, s, caseID, grantID)
	done := async(do)
	if r := waitForLockWait(t, s, done); r != nil {
		t.Fatalf("the request did not wait for the revocation: %s", r.Code())
	}
	return tx, done
}

// async runs a request in the background.
func async(do func() *gqltest.Response) <-chan *gqltest.Response {
	done := make(chan *gqltest.Response, 1)
	go func() { done <- do() }()
	return done
}

// await is the response of a request run by async, once whatever held it back is gone.
func await(t *testing.T, done <-chan *gqltest.Response, what string) *gqltest.Response {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still waits", what)
	}
	return nil
}

func endSessions(t *testing.T, tx bun.Tx, grantID string) {
	t.Helper()
	for _, q := range []string{`DELETE FROM sessions WHERE grant_id = ?`, `DELETE FROM access_codes WHERE grant_id = ?`} {
		if _, err := tx.ExecContext(context.Background(), q, grantID); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyWhileRevoking: a code verified while its grant is being revoked waits for the
// revocation and is refused; neither side deadlocks (verify takes the grant before the code, as
// Revoke and the expiry job do).
func TestVerifyWhileRevoking(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, nil)
	link := inviteLink(t, s)
	code := mailedCode(t, s, link)

	tx, done := whileRevoking(t, s, w.caseID, g.ID, func() *gqltest.Response { return verifyCode(s.Anonymous(), link, code) })
	endSessions(t, tx, g.ID)
	await(t, done, "verify").MustFail(t, "UNAUTHENTICATED")
	if n := s.Count(`SELECT count(*) FROM sessions WHERE grant_id = ?`, g.ID); n != 0 {
		t.Fatal("a session was opened on a revoked grant")
	}
}

// TestWriteWhileRevoking: a write by the person that reaches its case while the grant is being
// revoked waits for the revocation and is refused, although the request began while the grant
// worked.
func TestWriteWhileRevoking(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, map[string]any{"allowedActions": []string{"COMMENTS"}})
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)
	update := `mutation($id: ID!) { updateCandidateQuestionnaire(id: $id, input: {personal: {address: "ul. Polna 1"}}) { id } }`
	person.Do(update, map[string]any{"id": w.caseID}).MustOK(t)

	for _, write := range []struct {
		name, query string
	}{
		{"field", update},
		{"comment", `mutation($id: ID!) { addComment(caseId: $id, text: "Gotowe") { id } }`},
	} {
		t.Run(write.name, func(t *testing.T) {
			// The principal is built while the grant still works (the revocation has not committed);
			// the write must then wait for the revocation and see the grant as it ends.
			tx, done := whileRevoking(t, s, w.caseID, g.ID, func() *gqltest.Response {
				return person.Do(write.query, map[string]any{"id": w.caseID})
			})
			if _, err := tx.ExecContext(context.Background(), `SELECT 1`); err != nil { // still usable
				t.Fatal(err)
			}
			_ = tx.Rollback() // let it through once, to see the same write pass with a working grant
			await(t, done, "the write, after the revocation was rolled back,").MustOK(t)
		})
	}
	tx, done := whileRevoking(t, s, w.caseID, g.ID, func() *gqltest.Response { return person.Do(update, map[string]any{"id": w.caseID}) })
	endSessions(t, tx, g.ID)
	await(t, done, "the write, after the revocation committed,").MustFail(t, "UNAUTHENTICATED")
}

// TestCommentWhileRevoking: a comment that has passed its checks and waits to be inserted, while
// the granter revokes: both finish, the comment first, and neither deadlocks (the comment locks the
// case before the grant, as Revoke does).
func TestCommentWhileRevoking(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	g := w.grant(t, map[string]any{"allowedActions": []string{"COMMENTS"}})
	link := inviteLink(t, s)
	person := s.WithToken(signIn(t, s, link, mailedCode(t, s, link)).Token)

	// Hold the comment back at its insert, after it has taken its locks.
	hold, err := s.DB.BeginTx(context.Background(), &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hold.Rollback() })
	if _, err := hold.ExecContext(context.Background(), `LOCK TABLE comments IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	commented := async(func() *gqltest.Response {
		return person.Do(`mutation($id: ID!) { addComment(caseId: $id, text: "Gotowe") { id } }`, map[string]any{"id": w.caseID})
	})
	if r := waitForLockWaits(t, s, 1, commented); r != nil {
		t.Fatalf("the comment did not wait: %s", r.Code())
	}
	revoked := async(func() *gqltest.Response {
		return w.kadry.Do(`mutation($id: ID!) { revokeTemporaryAccess(id: $id) { state } }`, map[string]any{"id": g.ID})
	})
	if r := waitForLockWaits(t, s, 2, revoked); r != nil {
		t.Fatalf("the revocation did not wait for the comment: %s", r.Code())
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	await(t, commented, "the comment").MustOK(t)
	await(t, revoked, "the revocation").MustOK(t)
	if n := s.Count(`SELECT count(*) FROM sessions WHERE grant_id = ?`, g.ID); n != 0 {
		t.Fatal("the revoked grant's session remains")
	}
}
