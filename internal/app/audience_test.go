package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/gqltest"
)

const audienceQuery = `query($id: ID!, $field: String, $filter: AudienceFilter, $first: Int, $after: String) {
  caseAudience(caseId: $id, field: $field, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      kind rights mode
      user { id name } contact { id name } temporaryGrant { id email }
      grantedBy { rule rights group { name } position { name } }
    } }
  }
}`

type audienceMember struct {
	Kind           string
	Rights         []string
	Mode           *string
	User           *struct{ ID, Name string }
	Contact        *struct{ ID, Name string }
	TemporaryGrant *struct{ ID, Email string }
	GrantedBy      []struct {
		Rule     string
		Rights   []string
		Group    *struct{ Name string }
		Position *struct{ Name string }
	}
}

type audienceOut struct {
	CaseAudience struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct {
			Cursor string
			Node   audienceMember
		}
	}
}

func (m audienceMember) name() string {
	switch {
	case m.User != nil:
		return m.User.Name
	case m.Contact != nil:
		return m.Contact.Name
	case m.TemporaryGrant != nil:
		return m.TemporaryGrant.Email
	}
	return ""
}

func (m audienceMember) rules() string {
	var out []string
	for _, g := range m.GrantedBy {
		r := g.Rule
		if g.Group != nil {
			r += "/" + g.Group.Name
		}
		out = append(out, r)
	}
	return strings.Join(out, ",")
}

// TestCaseAudience: who can read a case, as its manager or an administrator sees it: a group ACL
// entry's member with the group named, a contact, a temporary grant, the creator and the
// administrators, each with its rights and mode of a field; paged completely; readers without
// MANAGE are refused, an unknown case is NOT_FOUND and bad filters are BAD_USER_INPUT.
func TestCaseAudience(t *testing.T) {
	s := gqltest.Start(t)
	w := newTempWorld(t, s)
	grant := w.grant(t, nil)
	reader := createUser(t, w.admin, "reader@casegate.test", "Czytelnik")
	manager := createUser(t, w.admin, "manager@casegate.test", "Kierownik")
	group := w.groupID(t, "Audyt")
	w.admin.Do(`mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }`, map[string]any{"g": group, "u": reader}).MustOK(t)
	var contact struct{ CreateContact struct{ ID string } }
	w.admin.Do(`mutation { createContact(input: {name: "Jan Kontakt"}) { id } }`, nil).MustOK(t).Decode(t, &contact)
	w.admin.Do(`mutation($id: ID!, $e: [AclEntryInput!]!) { setCaseAcl(caseId: $id, entries: $e) { id } }`, map[string]any{"id": w.caseID, "e": []map[string]any{
		{"groupId": group, "rights": []string{"READ"}},
		{"userId": manager, "rights": []string{"MANAGE"}},
		{"contactId": contact.CreateContact.ID, "rights": []string{"READ"}},
	}}).MustOK(t)
	readerC := s.Login("reader@casegate.test", "user-password-1")
	managerC := s.Login("manager@casegate.test", "user-password-1")

	// Only MANAGE or ADMIN.
	readerC.Do(audienceQuery, map[string]any{"id": w.caseID}).MustFail(t, "FORBIDDEN")
	w.kadry.Do(audienceQuery, map[string]any{"id": w.otherID}).MustFail(t, "FORBIDDEN") // the creator holds READ
	w.admin.Do(audienceQuery, map[string]any{"id": "00000000-0000-4000-8000-000000000099"}).MustFail(t, "NOT_FOUND")
	readerC.Do(audienceQuery, map[string]any{"id": w.otherID}).MustFail(t, "NOT_FOUND")

	var out audienceOut
	managerC.Do(audienceQuery, map[string]any{"id": w.caseID, "field": "basic.firstName"}).MustOK(t).Decode(t, &out)
	byName := map[string]audienceMember{}
	var order []string
	for _, e := range out.CaseAudience.Edges {
		byName[e.Node.name()] = e.Node
		order = append(order, e.Node.Kind+":"+e.Node.name())
	}
	if out.CaseAudience.TotalCount != len(out.CaseAudience.Edges) || out.CaseAudience.PageInfo.HasNextPage {
		t.Fatalf("one page of %d members, totalCount %d", len(out.CaseAudience.Edges), out.CaseAudience.TotalCount)
	}
	check := func(name, kind, rules, rights, mode string) {
		t.Helper()
		m, ok := byName[name]
		if !ok {
			t.Fatalf("%s is not in the audience %v", name, order)
		}
		got := m.Kind + " " + m.rules() + " " + strings.Join(m.Rights, ",")
		if m.Mode != nil {
			got += " " + *m.Mode
		}
		if want := kind + " " + rules + " " + rights + " " + mode; got != want {
			t.Fatalf("%s: %q, want %q", name, got, want)
		}
	}
	check("Czytelnik", "INTERNAL", "CASE_ACL/Audyt", "READ", "READ_ONLY")
	check("Kierownik", "INTERNAL", "CASE_ACL", "READ,WRITE,MANAGE", "REQUIRED")
	check("Anna Kadrowa", "INTERNAL", "CREATOR,PAST_ASSIGNEE", "READ", "READ_ONLY") // HR held the task before the grant moved the case
	check("Jan Kontakt", "EXTERNAL", "CASE_ACL", "READ", "READ_ONLY")
	check(candidateEmail, "TEMPORARY", "TEMPORARY_GRANT", "READ,WRITE", "READ_ONLY")
	if m := byName[candidateEmail]; m.TemporaryGrant.ID != grant.ID {
		t.Fatalf("the temporary member is grant %s, not %s", m.TemporaryGrant.ID, grant.ID)
	}
	admins := 0
	for _, m := range byName {
		if strings.Contains(m.rules(), "ADMIN") {
			admins++
		}
	}
	if admins == 0 {
		t.Fatalf("no administrator in %v", order)
	}
	// Employees, then guests and contacts, then temporary grants.
	kinds := []string{}
	for _, o := range order {
		kinds = append(kinds, strings.SplitN(o, ":", 2)[0])
	}
	if !slices.IsSortedFunc(kinds, func(a, b string) int { return rank(a) - rank(b) }) {
		t.Fatalf("members out of order: %v", order)
	}

	// Page by page, one member at a time, the same members in the same order.
	var paged []string
	var after *string
	for range 50 {
		var p audienceOut
		w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "first": 1, "after": after}).MustOK(t).Decode(t, &p)
		if p.CaseAudience.TotalCount != len(order) {
			t.Fatalf("totalCount %d on a page, %d members", p.CaseAudience.TotalCount, len(order))
		}
		for _, e := range p.CaseAudience.Edges {
			paged = append(paged, e.Node.Kind+":"+e.Node.name())
		}
		if !p.CaseAudience.PageInfo.HasNextPage {
			break
		}
		after = p.CaseAudience.PageInfo.EndCursor
	}
	if !slices.Equal(paged, order) {
		t.Fatalf("paged %v, whole %v", paged, order)
	}

	// Filters.
	count := func(filter map[string]any) int {
		var p audienceOut
		w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "filter": filter}).MustOK(t).Decode(t, &p)
		return p.CaseAudience.TotalCount
	}
	if n := count(map[string]any{"kind": "TEMPORARY"}); n != 1 {
		t.Fatalf("kind TEMPORARY: %d members", n)
	}
	if n := count(map[string]any{"rule": "CASE_ACL"}); n != 3 {
		t.Fatalf("rule CASE_ACL: %d members", n)
	}
	if n := count(map[string]any{"right": "MANAGE", "search": "kierow"}); n != 1 {
		t.Fatalf("MANAGE and kierow: %d members", n)
	}
	w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "filter": map[string]any{"rule": "NOPE"}}).MustFail(t, "BAD_USER_INPUT")
	w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "filter": map[string]any{"kind": "SYSTEM"}}).MustFail(t, "BAD_USER_INPUT")
	w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "field": "basic.nope"}).MustFail(t, "BAD_USER_INPUT")
	w.admin.Do(audienceQuery, map[string]any{"id": w.caseID, "after": "garbage"}).MustFail(t, "BAD_USER_INPUT")

	// Documents: the author and a group entry; a reader without MANAGE is refused.
	doc := createDocument(t, w.kadry, map[string]any{"title": "Notatka"})
	w.kadry.Do(`mutation($id: ID!, $e: [DocumentAclEntryInput!]!) { setDocumentAcl(documentId: $id, entries: $e) { id } }`,
		map[string]any{"id": doc, "e": []map[string]any{{"groupId": group, "rights": []string{"READ"}}}}).MustOK(t)
	docQuery := `query($id: ID!) { documentAudience(documentId: $id) { totalCount edges { node { kind user { name } grantedBy { rule group { name } } } } } }`
	readerC.Do(docQuery, map[string]any{"id": doc}).MustFail(t, "FORBIDDEN")
	managerC.Do(docQuery, map[string]any{"id": doc}).MustFail(t, "NOT_FOUND")
	var d struct {
		DocumentAudience struct {
			TotalCount int
			Edges      []struct{ Node audienceMember }
		}
	}
	for _, c := range []*gqltest.Client{w.kadry, w.admin} {
		c.Do(docQuery, map[string]any{"id": doc}).MustOK(t).Decode(t, &d)
		var got []string
		for _, e := range d.DocumentAudience.Edges {
			got = append(got, e.Node.name()+" "+e.Node.rules())
		}
		if want := []string{"Anna Kadrowa AUTHOR", "Czytelnik DOCUMENT_ACL/Audyt"}; !slices.Equal(got, want) || d.DocumentAudience.TotalCount != 2 {
			t.Fatalf("document audience %v (%d), want %v", got, d.DocumentAudience.TotalCount, want)
		}
	}
}

func rank(kind string) int {
	return map[string]int{"INTERNAL": 0, "EXTERNAL": 1, "TEMPORARY": 2}[kind]
}
