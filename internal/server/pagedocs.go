package server

import (
	"regexp"
	"strings"

	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/procedures"
)

// casegate's own pages (the partner portal, /access/, /activate/, /reset-password, /admin/) are
// used by guests and temporary-access sessions, whom a trusted-documents manifest restricts. Their
// documents are therefore always trusted, whatever the manifest holds: the fixed ones by their
// exact text, and those the pages build per procedure (the form of a case of a given type, with
// the fields the caller may see) by the shape the scripts give them, with every name checked
// against the procedures. A change to a page's documents must change this file too:
// TestPageDocumentsInScripts finds the fixed texts in the scripts, and the portal's and /access/'s
// browser tests run with a manifest that lists none of them.

// Fragments the scripts repeat (portal.js FIELDS and PARTS).
const (
	pageIntrospectFields = "inputFields { name description type { kind name ofType { kind name ofType { kind name } } } }"
	pagePortalParts      = " attachments { id name size downloadUrl } comments(first: 100) { edges { node { byline text createdAt } } }"
)

// pageFixedDocuments are the pages' documents that do not depend on a procedure.
var pageFixedDocuments = func() map[string]bool {
	docs := []string{
		// portal.js
		"mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
		"mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }",
		"mutation Logout { logout }",
		"query Me { me { user { name } contact { name company { name } } } }",
		"query Projects($after: String) { projects(first: 20, after: $after) { edges { node { id name counterparty { name }" +
			" cases(first: 100) { edges { node { id title stage procedureKey } } } } } pageInfo { hasNextPage endCursor } } }",
		"query Cases { cases(first: 100) { edges { node { id title stage project { id } } } } }",
		"query Creatable { creatableProcedures { key name typeName firstStage fields { field mode } } }",
		"query Form($name: String!) { __type(name: $name) { " + pageIntrospectFields + " } }",
		"query Case($id: ID!) { case(id: $id) { id title stage procedure { typeName } project { name }" +
			" access { rights fields { field mode } }" + pagePortalParts + " } }",
		"query Parts($id: ID!) { case(id: $id) {" + pagePortalParts + " } }",
		"mutation Attach($id: ID!, $file: Upload!) { addAttachment(caseId: $id, file: $file) { id } }",
		"mutation Comment($id: ID!, $text: String!) { addComment(caseId: $id, text: $text) { id } }",
		"query ProjectNames { projects(first: 100) { edges { node { id name } } } }",
		// access.js (Attach and Comment as above)
		"mutation RequestAccessCode($link: String!) { requestAccessCode(link: $link) }",
		"mutation VerifyAccessCode($link: String!, $code: String!) { verifyAccessCode(link: $link, code: $code) {" +
			" token viewer { grant { caseId allowedMoves allowedActions } } } }",
		"query Case($id: ID!) { case(id: $id) { title stage procedure { typeName sections { key name fields { key name type } } }" +
			" access { fields { field mode } } } }",
		"mutation Move($id: ID!, $to: String!) { moveCase(id: $id, toStage: $to) { id } }",
		// activate.js, reset.js
		"mutation ActivateAccount($token: String!, $password: String!) { activateAccount(token: $token, password: $password) { token } }",
		"mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }",
		// admin.js (Login and Logout as above). Only its first query runs for whoever logged in,
		// a guest too, who must see the page's refusal rather than OPERATION_NOT_TRUSTED; the rest
		// answer an administrator alone, and trusting them lets no one else through.
		"query AdminMe { me { kind user { name email } permissions } }",
		"query Procedures { procedures { key name } }",
		"query Matrix($procedure: String!) { procedure(key: $procedure) { sections { key access { internal external }" +
			" fields { path access { internal external } } } } accessMatrix(procedure: $procedure) { version stages" +
			" rows { target isSection name cells { stage audience configured mode source }" +
			" visibleOnlyFor { user { id name } group { id name } } modifyOnlyFor { user { id name } group { id name } } } } }",
		"mutation SaveMatrix($procedure: String!, $version: Int!, $changes: [AccessMatrixChangeInput!]!," +
			" $lists: [AccessMatrixListInput!]!) { setAccessMatrix(procedure: $procedure, version: $version, changes: $changes, lists: $lists) { version } }",
		"query Principals($search: String) { users(filter: {search: $search}, first: 20) { edges { node { id name email } } }" +
			" groups(search: $search, first: 20) { edges { node { id name } } } }",
		"query History($procedure: String!, $after: String) { accessSettingsHistory(procedure: $procedure, first: 20, after: $after) {" +
			" edges { node { version changedAt changedBy { name } actorEmail operation cells } } pageInfo { hasNextPage endCursor } } }",
		"query Audience($id: ID!, $search: String, $after: String) { case(id: $id) { title stage procedure { name } }" +
			" caseAudience(caseId: $id, filter: {search: $search}, first: 50, after: $after) { totalCount" +
			" edges { node { kind rights user { name email } contact { name email } temporaryGrant { email firstName lastName }" +
			" grantedBy { rule rights group { name } position { name } } } } pageInfo { hasNextPage endCursor } } }",
	}
	// access.js asks for the parts its grant opens, in this order, any of them.
	parts := []string{" attachments { id name size downloadUrl }", " comments(first: 100) { edges { node { byline text createdAt } } }",
		" history(first: 50) { edges { node { at action actor } } }"}
	for mask := 1; mask < 1<<len(parts); mask++ {
		sel := ""
		for i, p := range parts {
			if mask&(1<<i) != 0 {
				sel += p
			}
		}
		docs = append(docs, "query Parts($id: ID!) { case(id: $id) {"+sel+" } }")
	}
	// Per procedure: saving and creating (the portal and access.js save with different results).
	for _, p := range procedures.Registry.All() {
		t := p.TypeName
		docs = append(docs,
			"mutation Save($id: ID!, $input: "+t+"Input!) { update"+t+"(id: $id, input: $input) { id } }",
			"mutation Save($id: ID!, $input: "+t+"Input!) { update"+t+"(id: $id, input: $input) { case { id } } }",
			"mutation Create($input: "+t+"Input!, $title: String, $project: ID) { create"+t+
				"(input: $input, title: $title, projectId: $project) { id } }")
	}
	set := make(map[string]bool, len(docs))
	for _, d := range docs {
		set[d] = true
	}
	return set
}()

var (
	// The portal's Sections: the input types of a form's sections, by introspection, s0 … sN.
	pageSections = regexp.MustCompile(`^query Sections\(\$n0: String!(, \$n[0-9]+: String!)*\) \{` +
		`( s[0-9]+: __type\(name: \$n[0-9]+\) \{ ` + regexp.QuoteMeta(pageIntrospectFields) + ` \})+ \}$`)
	// The form of one case (portal.js Values, access.js Form): the fields the caller may see.
	pageForm = regexp.MustCompile(`^query (?:Values|Form)\(\$id: ID!\) \{ form: ([A-Za-z0-9_]+)\(id: \$id\) \{ ` +
		`((?:[A-Za-z0-9_]+ \{(?: [A-Za-z0-9_]+)+ \} ?)+)\} \}$`)
	pageSection = regexp.MustCompile(`([A-Za-z0-9_]+) \{((?: [A-Za-z0-9_]+)+) \}`)
)

// pageFormFields maps the query field of each procedure (salaryChange) to its sections' fields.
var pageFormFields = func() map[string]map[string]map[string]bool {
	out := map[string]map[string]map[string]bool{}
	for _, p := range procedures.Registry.All() {
		out[lowerFirst(p.TypeName)] = sectionFields(p)
	}
	return out
}()

func sectionFields(p *forms.Procedure) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, s := range p.Sections {
		out[s.Key] = map[string]bool{}
		for _, f := range s.Fields {
			out[s.Key][f.Key] = true
		}
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// pageDocument reports whether text is a document casegate's own pages send.
func pageDocument(text string) bool {
	if pageFixedDocuments[text] || pageSections.MatchString(text) {
		return true
	}
	m := pageForm.FindStringSubmatch(text)
	if m == nil {
		return false
	}
	sections, ok := pageFormFields[m[1]]
	if !ok {
		return false
	}
	for _, s := range pageSection.FindAllStringSubmatch(m[2], -1) {
		fields, ok := sections[s[1]]
		if !ok {
			return false
		}
		for _, f := range strings.Fields(s[2]) {
			if !fields[f] {
				return false
			}
		}
	}
	return true
}
