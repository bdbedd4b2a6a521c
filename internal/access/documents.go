package access

// RuleTrustedDocuments is the rule of a principal that may run only trusted documents.
const RuleTrustedDocuments = "TRUSTED_DOCUMENTS"

// AnyDocument decides whether p may run any GraphQL document, or, when the server has a
// trusted-documents manifest, only the documents in it (and those of casegate's own pages).
//
// Guests (EXTERNAL) and temporary-access sessions (TEMPORARY) are restricted: they are people
// outside the organisation, who reach casegate through a partner's frontend or casegate's portal,
// whose operations are known in advance. Employees (INTERNAL) and the system user are not: their
// tools (GraphiQL, scripts, reports) send documents nobody can list beforehand. A request without a
// principal is not either: it may only log in, recover a password or introspect (requireLogin),
// and a manifest would keep out nothing that matters while breaking every login form.
func AnyDocument(p *Principal) Decision {
	if p != nil && (p.Kind == KindExternal || p.Kind == KindTemporary) {
		return Decision{Rule: RuleTrustedDocuments}
	}
	if p == nil {
		return Decision{Allowed: true, Rule: RuleUnauthenticated}
	}
	return Decision{Allowed: true, Rule: string(p.Kind)}
}
