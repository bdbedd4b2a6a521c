package app_test

import (
	"slices"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

func createDocument(t *testing.T, c *gqltest.Client, in map[string]any) string {
	t.Helper()
	var out struct{ CreateDocument struct{ ID string } }
	c.Do(`mutation($in: DocumentInput!) { createDocument(input: $in) { id } }`, map[string]any{"in": in}).MustOK(t).Decode(t, &out)
	return out.CreateDocument.ID
}

func documentIDs(t *testing.T, c *gqltest.Client) []string {
	t.Helper()
	var out struct {
		Documents struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	c.Do(`{ documents(first: 200) { edges { node { id } } } }`, nil).MustOK(t).Decode(t, &out)
	var ids []string
	for _, e := range out.Documents.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}

func docAccess(t *testing.T, c *gqltest.Client, id string) (rights, rules []string) {
	t.Helper()
	var out struct {
		Document struct {
			Access struct{ Rights, GrantedBy []string }
		}
	}
	c.Do(`query($id: ID!) { document(id: $id) { access { rights grantedBy } } }`, map[string]any{"id": id}).MustOK(t).Decode(t, &out)
	return out.Document.Access.Rights, out.Document.Access.GrantedBy
}

// TestDocumentRules walks the six Ready_ rules through GraphQL, each opening and closing a document
// for the villain, with the seed's deny entry that shuts out even the author.
func TestDocumentRules(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	villain := c.users["villain"]
	sees := func(id string) bool { return slices.Contains(documentIDs(t, c.villain), id) }

	var pos1, pos2 struct{ CreatePosition struct{ ID string } }
	c.admin.Do(`mutation { createPosition(name: "Sekretariat") { id } }`, nil).MustOK(t).Decode(t, &pos1)
	c.admin.Do(`mutation { createPosition(name: "Księgowość") { id } }`, nil).MustOK(t).Decode(t, &pos2)
	doc := createDocument(t, c.creator, map[string]any{"title": "Umowa", "body": "Treść", "positionId": pos1.CreatePosition.ID})
	if rights, rules := docAccess(t, c.creator, doc); !slices.Equal(rights, []string{"READ", "WRITE", "MANAGE"}) || !slices.Equal(rules, []string{"AUTHOR"}) {
		t.Fatalf("author: %v %v", rights, rules)
	}
	if sees(doc) {
		t.Fatal("the villain sees a fresh document")
	}
	c.villain.Do(`query($id: ID!) { document(id: $id) { title } }`, map[string]any{"id": doc}).MustFail(t, "NOT_FOUND")

	// POSITION: a right to the position where it resides gives READ and WRITE; forwarding moves it.
	c.admin.Do(`mutation($p: ID!, $u: ID!) { grantPositionRight(positionId: $p, userId: $u) { includeSubtree } }`,
		map[string]any{"p": pos1.CreatePosition.ID, "u": villain}).MustOK(t)
	if rights, rules := docAccess(t, c.villain, doc); !slices.Equal(rights, []string{"READ", "WRITE"}) || !slices.Equal(rules, []string{"POSITION"}) {
		t.Fatalf("position holder: %v %v", rights, rules)
	}
	c.villain.Do(`mutation($id: ID!) { updateDocument(id: $id, input: {body: "Poprawka"}) { body } }`, map[string]any{"id": doc}).MustOK(t)
	c.villain.Do(`mutation($id: ID!) { updateDocument(id: $id, input: {confidential: true}) { id } }`, map[string]any{"id": doc}).MustFail(t, "FORBIDDEN")
	c.creator.Do(`mutation($id: ID!, $p: ID!) { forwardDocument(documentId: $id, positionId: $p) { position { name } } }`,
		map[string]any{"id": doc, "p": pos2.CreatePosition.ID}).MustOK(t)
	if sees(doc) {
		t.Fatal("the old position still opens a forwarded document")
	}

	// ACTIVE_TASK: READ and WRITE until completed.
	var task struct {
		AssignDocumentTask struct {
			Tasks []struct {
				ID     string
				Active bool
				User   struct{ Email string }
			}
		}
	}
	c.creator.Do(`mutation($id: ID!, $u: ID!) { assignDocumentTask(documentId: $id, userId: $u) { tasks { id active user { email } } } }`,
		map[string]any{"id": doc, "u": villain}).MustOK(t).Decode(t, &task)
	if !sees(doc) {
		t.Fatal("an active task did not open the document")
	}
	c.villain.Do(`mutation($t: ID!) { completeTask(taskId: $t) { id } }`, map[string]any{"t": task.AssignDocumentTask.Tasks[0].ID}).MustOK(t)
	if sees(doc) {
		t.Fatal("a completed task still opens the document")
	}

	// DOCUMENT_ACL through a group; the user's own entry decides alone, and a deny shuts out the author.
	setACL := `mutation($id: ID!, $e: [DocumentAclEntryInput!]!) { setDocumentAcl(documentId: $id, entries: $e) { id } }`
	c.villain.Do(setACL, map[string]any{"id": doc, "e": []any{}}).MustFail(t, "NOT_FOUND")
	c.creator.Do(setACL, map[string]any{"id": doc, "e": []any{
		map[string]any{"groupId": c.groups["Kadry"], "rights": []string{"READ"}},
		map[string]any{"userId": villain, "rights": []string{"WRITE"}},
	}}).MustOK(t)
	if rights, rules := docAccess(t, c.kadry, doc); !slices.Equal(rights, []string{"READ"}) || !slices.Equal(rules, []string{"DOCUMENT_ACL"}) {
		t.Fatalf("Kadry by group entry: %v %v", rights, rules)
	}
	if rights, _ := docAccess(t, c.villain, doc); !slices.Equal(rights, []string{"READ", "WRITE"}) {
		t.Fatalf("villain by own entry: %v", rights)
	}
	c.creator.Do(setACL, map[string]any{"id": doc, "e": []any{map[string]any{"userId": c.users["creator"], "rights": []string{}}}}).MustOK(t)
	c.creator.Do(`query($id: ID!) { document(id: $id) { id } }`, map[string]any{"id": doc}).MustFail(t, "NOT_FOUND")
	c.admin.Do(`query($id: ID!, $u: ID) { explainDocumentAccess(documentId: $id, userId: $u) { rights grantedBy } }`,
		map[string]any{"id": doc, "u": c.users["creator"]}).MustFail(t, "NOT_FOUND") // ADMIN is not one of the six rules
}

// TestDocumentsInCasesAndConfidentiality: CASE (allDocuments) and CLIENT_DATA open ordinary
// documents but not confidential ones; reading a confidential document is audited.
func TestDocumentsInCasesAndConfidentiality(t *testing.T) {
	s := gqltest.Start(t)
	c := newCompany(t, s)
	caseID := c.createSalaryChange(t, map[string]any{})
	// Adding a document to a case needs WRITE on it.
	c.villain.Do(`mutation($c: ID) { createDocument(input: {caseId: $c, title: "x"}) { id } }`, map[string]any{"c": caseID}).MustFail(t, "NOT_FOUND")
	var company struct{ CreateCompany struct{ ID string } }
	c.admin.Do(`mutation { createCompany(name: "ACME") { id } }`, nil).MustOK(t).Decode(t, &company)
	open := createDocument(t, c.creator, map[string]any{"caseId": caseID, "title": "Aneks", "clientId": company.CreateCompany.ID})
	secret := createDocument(t, c.creator, map[string]any{"caseId": caseID, "title": "Poufne", "clientId": company.CreateCompany.ID, "confidential": true})

	// READ on the case alone does not open its documents; an ACL entry with allDocuments does.
	c.admin.Do(`mutation($id: ID!, $e: [AclEntryInput!]!) { setCaseAcl(caseId: $id, entries: $e) { id } }`, map[string]any{"id": caseID,
		"e": []any{map[string]any{"userId": c.users["kadry"], "rights": []string{"READ"}}, map[string]any{"userId": c.users["villain"], "rights": []string{"READ"}, "allDocuments": true}}}).MustOK(t)
	if got := documentIDs(t, c.kadry); len(got) != 0 {
		t.Fatalf("READ without allDocuments opened %v", got)
	}
	if got := documentIDs(t, c.villain); !slices.Equal(got, []string{open}) {
		t.Fatalf("allDocuments opened %v, want only the open document", got)
	}
	if _, rules := docAccess(t, c.villain, open); !slices.Equal(rules, []string{"CASE"}) {
		t.Fatalf("rules = %v", rules)
	}
	// Client data: the client-data group opens the client's ordinary documents, not the secret one.
	c.admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`,
		map[string]any{"g": "00000000-0000-0000-0000-000000000002", "u": c.users["zarzad"]}).MustOK(t)
	if got := documentIDs(t, c.zarzad); !slices.Equal(got, []string{open}) {
		t.Fatalf("client-data member sees %v", got)
	}
	// Reading the confidential document is audited, the open one is not.
	before := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'document.read'`)
	c.creator.Do(`query($id: ID!) { document(id: $id) { title } }`, map[string]any{"id": secret}).MustOK(t)
	c.creator.Do(`query($id: ID!) { document(id: $id) { title } }`, map[string]any{"id": open}).MustOK(t)
	if n := s.Count(`SELECT count(*) FROM audit_log WHERE action = 'document.read' AND entity_id = ?`, secret); n != 1 || before != 0 {
		t.Fatalf("confidential reads audited %d times (before %d)", n, before)
	}
	// Filters and paging.
	var page struct {
		Documents struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct{ HasNextPage bool }
		}
	}
	c.creator.Do(`query($c: ID) { documents(filter: {caseId: $c}, first: 1) { edges { node { id } } pageInfo { hasNextPage } } }`,
		map[string]any{"c": caseID}).MustOK(t).Decode(t, &page)
	if len(page.Documents.Edges) != 1 || !page.Documents.PageInfo.HasNextPage {
		t.Fatalf("page = %+v", page)
	}
	// Bad input writes nothing.
	n := s.Count(`SELECT count(*) FROM documents`)
	c.creator.Do(`mutation { createDocument(input: {title: "  "}) { id } }`, nil).MustFail(t, "BAD_USER_INPUT")
	c.creator.Do(`mutation { createDocument(input: {title: "x", positionId: "nope"}) { id } }`, nil).MustFail(t, "BAD_USER_INPUT")
	if s.Count(`SELECT count(*) FROM documents`) != n {
		t.Fatal("a refused create wrote a document")
	}
}
