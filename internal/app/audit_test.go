package app_test

import (
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

func TestAuditLog(t *testing.T) {
	s := gqltest.Start(t)
	admin := s.Admin()
	uid := createUser(t, admin, "audited@casegate.test", "Audited")
	admin.Do(`mutation($u: ID!) { updateUser(id: $u, input: {name: "Renamed", phone: "600 700 800"}) { id } }`, map[string]any{"u": uid}).MustOK(t)

	var out struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					ID, Action, Entity, EntityID, Kind string
					User, NativeUser                   struct{ Email string }
					ChangedFields                      []string
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	admin.Do(`query($u: ID) { auditLog(filter: {entity: "user", entityId: $u}, first: 1) {
		edges { node { id action entity entityId kind user { email } nativeUser { email } changedFields } }
		pageInfo { hasNextPage endCursor } } }`, map[string]any{"u": uid}).MustOK(t).Decode(t, &out)
	if len(out.AuditLog.Edges) != 1 || !out.AuditLog.PageInfo.HasNextPage {
		t.Fatalf("first page = %+v", out.AuditLog)
	}
	n := out.AuditLog.Edges[0].Node
	if n.Action != "user.update" || n.EntityID != uid || n.Kind != "INTERNAL" || n.User.Email != gqltest.AdminEmail ||
		n.NativeUser.Email != gqltest.AdminEmail || len(n.ChangedFields) != 2 {
		t.Fatalf("newest record = %+v", n)
	}
	var page2 struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Action        string
					ChangedFields []string
				}
			}
		}
	}
	admin.Do(`query($u: ID, $a: String) { auditLog(filter: {entity: "user", entityId: $u}, first: 5, after: $a) { edges { node { action changedFields } } } }`,
		map[string]any{"u": uid, "a": out.AuditLog.PageInfo.EndCursor}).MustOK(t).Decode(t, &page2)
	if len(page2.AuditLog.Edges) != 1 || page2.AuditLog.Edges[0].Node.Action != "user.create" {
		t.Fatalf("second page = %+v", page2)
	}
	for _, f := range page2.AuditLog.Edges[0].Node.ChangedFields {
		if f == "user-password-1" {
			t.Fatal("password value in audit record")
		}
	}
	// The database itself refuses to change or delete audit records.
	if _, err := s.DB.Exec(`DELETE FROM audit_log`); err == nil {
		t.Fatal("audit records could be deleted")
	}
	if _, err := s.DB.Exec(`UPDATE audit_log SET action = 'x'`); err == nil {
		t.Fatal("audit records could be changed")
	}
	if _, err := s.DB.Exec(`TRUNCATE audit_log`); err == nil {
		t.Fatal("the audit log could be truncated")
	}
	if n := s.Count(`SELECT count(*) FROM audit_log`); n == 0 {
		t.Fatal("audit records are gone")
	}
}
