package access

import (
	"strings"
	"time"

	"github.com/casegate/casegate/internal/apperr"
)

// The audience of a case or a document is who can read it: the rules of RightsOn and
// DocumentRightsOn inverted, from one case to every principal they reach. It is SQL so that a case
// read by ten thousand employees is listed, counted and paged by the database; the page's members
// are then decided by the engine (their mode of a field), and TestEngineAndSQLAgree checks, on
// random companies, that the audience of every case is exactly the set of people whose case list
// holds it.
//
// Who is a member: an employee or a guest account that can log in (ACTIVE, not the system user,
// the profile not expired), a contact named by an ACL entry or as a participant that has no such
// account, and an open temporary grant whose stages hold the case's stage. Substitutes are not
// members in their own name: while a substitution is in force its substitute reads exactly what the
// substituted user reads, and the substituted user is the member.

// AudienceColumns are the columns of an audience relation: one row per member and rule (and group
// or position the rule went through). kind is INTERNAL, EXTERNAL or TEMPORARY; exactly one of
// user_id (an employee or a guest account), contact_id (a contact with no account) and grant_id (a
// temporary grant) names the member; level is the Right the rule grants. After them come the
// member's name and email: for INTERNAL rows the users row's own, which internal/audience relies on
// when it walks the employees in name order. Each branch of the relation has a constant kind, so
// that a condition on kind removes whole branches.
const AudienceColumns = "kind, user_id, contact_id, grant_id, rule, group_id, position_id, level"

// ViewAudience decides whether p may see who can read a case or document it holds right on: an
// employee with MANAGE on it, or an administrator.
func ViewAudience(p *Principal, right Right) Decision {
	if d := Administer(p); d.Allowed {
		return d
	}
	if d := Internal(p); !d.Allowed {
		return d
	}
	if right >= Manage {
		return Decision{Allowed: true, Rule: Manage.String()}
	}
	return Decision{Rule: "MANAGE_NEEDED"}
}

// AudienceRules lists the rules an audience may be filtered by.
var AudienceRules = []string{RuleAdmin, RuleCreator, RuleAssignee, RulePastAssignee, RuleCaseACL, RuleProcedure,
	RulePosition, RuleClientData, RuleParticipant, RuleCompany, RuleTemporaryGrant,
	RuleAuthor, RuleDocumentACL, RuleCase, RuleActiveTask}

// ValidAudienceRule checks a rule name given as a filter.
func ValidAudienceRule(rule string) error {
	for _, r := range AudienceRules {
		if r == rule {
			return nil
		}
	}
	return apperr.Input("filter.rule", "unknown rule "+rule+" (one of "+strings.Join(AudienceRules, ", ")+")")
}

// loginSQL is the condition that a user (alias u) can log in on the day given as its one argument
// (the server's calendar day): the principal query's, which a member must pass to have a case list
// at all.
const loginSQL = `u.status = 'ACTIVE' AND NOT u.is_system AND (u.profile_expires_on IS NULL OR u.profile_expires_on >= ?::date)`

// CaseAudience is the audience of case c of form f as SQL: a select of AudienceColumns, with its
// arguments. at is the time the audience is asked at (a temporary grant's window), today the server's
// calendar day then (a profile's expiry). Rules follow internalRights, externalRights and
// temporaryRights one by one.
func CaseAudience(c *Case, f *Form, at, today time.Time) (string, []any) {
	day := today.Format(time.DateOnly)
	var in union
	in.add(`SELECT u.id AS user_id, 'ADMIN' AS rule, NULL::uuid AS group_id, NULL::uuid AS position_id, 3 AS level
    FROM users u WHERE 'ADMIN' = ANY(u.permissions)`)
	in.add(`SELECT ?::uuid, 'CREATOR', NULL, NULL, 1`, c.CreatorID)
	in.add(`SELECT x, 'ASSIGNEE', NULL, NULL, 2 FROM unnest(?::uuid[]) x`, pgArray(nonNilStrings(c.Assignees)))
	if f.KeepAccessAfterTask {
		in.add(`SELECT x, 'PAST_ASSIGNEE', NULL, NULL, 1 FROM unnest(?::uuid[]) x`, pgArray(nonNilStrings(c.PastAssignees)))
	}
	var aclUsers, aclGroups, contacts []string
	var aclUserLv, aclGroupLv, contactLv []int
	for _, e := range c.ACL {
		switch {
		case e.ContactID != "":
			contacts, contactLv = append(contacts, e.ContactID), append(contactLv, int(e.Right))
		case e.UserID != "":
			aclUsers, aclUserLv = append(aclUsers, e.UserID), append(aclUserLv, int(e.Right))
		case e.GroupID != "":
			aclGroups, aclGroupLv = append(aclGroups, e.GroupID), append(aclGroupLv, int(e.Right))
		}
	}
	in.add(`SELECT x.id, 'CASE_ACL', NULL, NULL, x.level FROM unnest(?::uuid[], ?::int[]) x(id, level) WHERE x.level > 0`,
		pgArray(nonNilStrings(aclUsers)), pgIntArray(aclUserLv))
	groupRule(&in, "CASE_ACL", aclGroups, aclGroupLv)
	var grantUsers, grantGroups []string
	var grantUserLv, grantGroupLv []int
	for _, g := range f.Grants {
		switch {
		case g.UserID != "":
			grantUsers, grantUserLv = append(grantUsers, g.UserID), append(grantUserLv, int(g.Right))
		case g.GroupID != "":
			grantGroups, grantGroupLv = append(grantGroups, g.GroupID), append(grantGroupLv, int(g.Right))
		}
	}
	in.add(`SELECT x.id, 'PROCEDURE', NULL, NULL, x.level FROM unnest(?::uuid[], ?::int[]) x(id, level) WHERE x.level > 0`,
		pgArray(nonNilStrings(grantUsers)), pgIntArray(grantUserLv))
	groupRule(&in, "PROCEDURE", grantGroups, grantGroupLv)
	if c.PositionPath != "" {
		// A right covers the case's position when it is on it, or on an ancestor with its subtree;
		// the ancestors are the ids along the path, each checked against its stored path.
		in.add(`SELECT pr.user_id, 'POSITION', NULL, pr.position_id, 1 FROM position_rights pr
    JOIN positions pos ON pos.id = pr.position_id
    WHERE pr.position_id = ANY(?::uuid[]) AND (pos.path = ? OR (pr.include_subtree AND left(?, length(pos.path)) = pos.path))`,
			pgArray(pathIDs(c.PositionPath)), c.PositionPath, c.PositionPath)
	}
	if c.ClientID != "" {
		in.add(`SELECT gm.user_id, 'CLIENT_DATA', gm.group_id, NULL, 1 FROM group_members gm WHERE gm.group_id = ?`, ClientDataGroupID)
		in.add(`SELECT cg.user_id, 'CLIENT_DATA', NULL, NULL, 1 FROM client_grants cg WHERE cg.client_id = ?`, c.ClientID)
	}
	var partUsers, partContacts []string
	for _, x := range c.Participants {
		if x.UserID != "" {
			partUsers = append(partUsers, x.UserID)
		}
		if x.ContactID != "" {
			partContacts = append(partContacts, x.ContactID)
		}
	}
	in.add(`SELECT x, 'PARTICIPANT', NULL, NULL, 1 FROM unnest(?::uuid[]) x`, pgArray(nonNilStrings(partUsers)))

	// Contacts' rules: an ACL entry naming the contact, taking part.
	contactRules := `SELECT x.id AS contact_id, 'CASE_ACL' AS rule, x.level FROM unnest(?::uuid[], ?::int[]) x(id, level) WHERE x.level > 0
    UNION ALL SELECT x, 'PARTICIPANT', 1 FROM unnest(?::uuid[]) x`
	contactArgs := []any{pgArray(nonNilStrings(contacts)), pgIntArray(contactLv), pgArray(nonNilStrings(partContacts))}

	var ex union
	ex.add(`SELECT u.id AS user_id, 'ASSIGNEE' AS rule, 2 AS level FROM users u WHERE u.id = ANY(?::uuid[])`, pgArray(nonNilStrings(c.Assignees)))
	ex.add(`SELECT u.id, k.rule, k.level FROM (`+contactRules+`) k JOIN users u ON u.contact_id = k.contact_id`, contactArgs...)
	if c.ClientID != "" {
		ex.add(`SELECT u.id, 'COMPANY', 1 FROM clients k JOIN users u ON u.contact_id = k.id
    WHERE k.company_id = ? AND COALESCE((SELECT value = 'true'::jsonb FROM settings WHERE key = 'guestsSeeCompanyCases'), false)`, c.ClientID)
	}

	var all union
	all.add(`SELECT 'INTERNAL' AS kind, u.id AS user_id, NULL::uuid AS contact_id, NULL::uuid AS grant_id, r.rule, r.group_id, r.position_id, r.level,
    u.name, u.email
  FROM (`+in.sql()+`) r
  JOIN users u ON u.id = r.user_id WHERE u.contact_id IS NULL AND `+loginSQL, append(cloneArgs(in.args), day)...)
	all.add(`SELECT 'EXTERNAL', u.id, NULL, NULL, r.rule, NULL, NULL, r.level, u.name, u.email FROM (`+ex.sql()+`) r
  JOIN users u ON u.id = r.user_id WHERE u.contact_id IS NOT NULL AND `+loginSQL, append(cloneArgs(ex.args), day)...)
	all.add(`SELECT 'EXTERNAL', NULL, k.contact_id, NULL, k.rule, NULL, NULL, k.level, cl.name, cl.email FROM (`+contactRules+`) k
  JOIN clients cl ON cl.id = k.contact_id
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.contact_id = k.contact_id AND `+loginSQL+`)`, append(cloneArgs(contactArgs), day)...)
	all.add(`SELECT 'TEMPORARY', NULL, NULL, g.id, 'TEMPORARY_GRANT', NULL, NULL, 2,
    COALESCE(NULLIF(concat_ws(' ', g.first_name, g.last_name), ''), g.email), g.email FROM temporary_access_grants g
  WHERE g.case_id = ? AND g.revoked_at IS NULL AND g.valid_from <= ? AND g.valid_until > ? AND ? = ANY(g.stages)`,
		c.ID, at, at, c.Stage)
	return all.sql(), all.args
}

func cloneArgs(a []any) []any { return append([]any(nil), a...) }

// groupRule adds the members of groups (with the rights levels, entries of level 0 giving nothing)
// under rule. The groups are a plain = ANY so that PostgreSQL estimates their size from its
// statistics: a group of thousands is then joined to users by hash, not probed user by user.
func groupRule(u *union, rule string, groups []string, levels []int) {
	var ids []string
	var lv []int
	for i, g := range groups {
		if levels[i] > 0 {
			ids, lv = append(ids, g), append(lv, levels[i])
		}
	}
	if len(ids) == 0 {
		return
	}
	u.add(`SELECT gm.user_id, '`+rule+`', gm.group_id, NULL, (?::int[])[array_position(?::uuid[], gm.group_id)]
    FROM group_members gm WHERE gm.group_id = ANY(?::uuid[])`, pgIntArray(lv), pgArray(ids), pgArray(ids))
}

// pathIDs are the ids along a position path "/a/b/c/": the position and its ancestors.
func pathIDs(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// DocumentAudience is the audience of document d as SQL (AudienceColumns), following
// DocumentRightsOn: an employee's own ACL entry decides alone (level 0 shuts it out), else
// authorship, group entries, active tasks and, unless the document is confidential, position
// rights, case ACL entries with allDocuments and client data; a guest or contact through an entry of
// the case with allDocuments naming its contact. Administrators are members only by these rules,
// and temporary grants reach no document. today is the server's calendar day (a profile's expiry).
func DocumentAudience(d *Document, today time.Time) (string, []any) {
	day := today.Format(time.DateOnly)
	var ownUsers []string
	var ownLv []int
	var groups []string
	var groupLv []int
	for _, e := range d.ACL {
		switch {
		case e.UserID != "":
			ownUsers, ownLv = append(ownUsers, e.UserID), append(ownLv, int(e.Right))
		case e.GroupID != "":
			groups, groupLv = append(groups, e.GroupID), append(groupLv, int(e.Right))
		}
	}
	var in union
	in.add(`SELECT ?::uuid AS user_id, 'AUTHOR' AS rule, NULL::uuid AS group_id, NULL::uuid AS position_id, 3 AS level`, d.AuthorID)
	groupRule(&in, "DOCUMENT_ACL", groups, groupLv)
	if !d.Confidential {
		if d.PositionPath != "" {
			in.add(`SELECT pr.user_id, 'POSITION', NULL, pr.position_id, 2 FROM position_rights pr
    JOIN positions pos ON pos.id = pr.position_id
    WHERE pr.position_id = ANY(?::uuid[]) AND (pos.path = ? OR (pr.include_subtree AND left(?, length(pos.path)) = pos.path))`,
				pgArray(pathIDs(d.PositionPath)), d.PositionPath, d.PositionPath)
		}
		var caseUsers, caseGroups []string
		for _, r := range d.CaseAllDocuments {
			if r.UserID != "" {
				caseUsers = append(caseUsers, r.UserID)
			} else if r.GroupID != "" {
				caseGroups = append(caseGroups, r.GroupID)
			}
		}
		in.add(`SELECT x, 'CASE', NULL, NULL, 1 FROM unnest(?::uuid[]) x`, pgArray(nonNilStrings(caseUsers)))
		in.add(`SELECT gm.user_id, 'CASE', gm.group_id, NULL, 1 FROM group_members gm WHERE gm.group_id = ANY(?::uuid[])`, pgArray(nonNilStrings(caseGroups)))
		if d.ClientID != "" {
			in.add(`SELECT gm.user_id, 'CLIENT_DATA', gm.group_id, NULL, 1 FROM group_members gm WHERE gm.group_id = ?`, ClientDataGroupID)
			in.add(`SELECT cg.user_id, 'CLIENT_DATA', NULL, NULL, 1 FROM client_grants cg WHERE cg.client_id = ?`, d.ClientID)
		}
	}
	in.add(`SELECT x, 'ACTIVE_TASK', NULL, NULL, 2 FROM unnest(?::uuid[]) x`, pgArray(nonNilStrings(d.ActiveTasks)))

	var contacts []string
	if !d.Confidential {
		contacts = d.CaseContacts
	}
	var all union
	own := pgArray(nonNilStrings(ownUsers))
	all.add(`SELECT 'INTERNAL' AS kind, u.id AS user_id, NULL::uuid AS contact_id, NULL::uuid AS grant_id, r.rule, r.group_id, r.position_id, r.level,
    u.name, u.email
  FROM (SELECT x.id AS user_id, 'DOCUMENT_ACL' AS rule, NULL::uuid AS group_id, NULL::uuid AS position_id, x.level
        FROM unnest(?::uuid[], ?::int[]) x(id, level) WHERE x.level > 0
        UNION ALL SELECT o.* FROM (`+in.sql()+`) o WHERE o.user_id <> ALL(?::uuid[])) r
  JOIN users u ON u.id = r.user_id WHERE u.contact_id IS NULL AND `+loginSQL,
		append(append(append([]any{own, pgIntArray(ownLv)}, in.args...), own), day)...)
	all.add(`SELECT 'EXTERNAL', u.id, NULL, NULL, 'CASE', NULL, NULL, 1, u.name, u.email FROM users u
  WHERE u.contact_id = ANY(?::uuid[]) AND `+loginSQL, pgArray(nonNilStrings(contacts)), day)
	all.add(`SELECT 'EXTERNAL', NULL, x, NULL, 'CASE', NULL, NULL, 1, cl.name, cl.email FROM unnest(?::uuid[]) x
  JOIN clients cl ON cl.id = x
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.contact_id = x AND `+loginSQL+`)`, pgArray(nonNilStrings(contacts)), day)
	return all.sql(), all.args
}
