package access

import (
	"database/sql"
	"reflect"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"pgregory.net/rapid"
)

// Facts beyond the shared pools: positions (a small tree) and clients.
var (
	pathPool   = []string{"/p1/", "/p1/p2/", "/p1/p2/p3/", "/p4/"}
	clientPool = []string{"cl1", "cl2"}
)

// genInternal is an employee with every kind of fact a principal carries: groups, permissions,
// position rights and client grants.
func genInternal(t *rapid.T, user string) *Principal {
	p := &Principal{Kind: KindInternal, UserID: user, NativeUserID: user, SessionID: "s-" + user,
		Groups:       rapid.SliceOfNDistinct(rapid.SampledFrom(groupPool), 0, 3, rapid.ID[string]).Draw(t, "groups"),
		Permissions:  rapid.SliceOfNDistinct(rapid.SampledFrom(AllPermissions), 0, 2, func(p Permission) Permission { return p }).Draw(t, "perms"),
		ClientGrants: rapid.SliceOfNDistinct(rapid.SampledFrom(clientPool), 0, 2, rapid.ID[string]).Draw(t, "clientGrants")}
	for _, path := range rapid.SliceOfNDistinct(rapid.SampledFrom(pathPool), 0, 2, rapid.ID[string]).Draw(t, "positions") {
		p.PositionRights = append(p.PositionRights, PositionRight{PositionID: path, Path: path, IncludeSubtree: rapid.Bool().Draw(t, "subtree")})
	}
	return p
}

// genRichCase is genCase with the facts the other rules read: ACL entries, participants, a
// position and a client.
func genRichCase(t *rapid.T, f *Form) *Case {
	c := genCase(t, f)
	c.ACL = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) ACLEntry {
		return ACLEntry{Ref: genRef.Draw(t, "aclRef"), Right: rapid.SampledFrom([]Right{NoRight, Read, Write, Manage}).Draw(t, "aclRight")}
	}), 0, 2).Draw(t, "acl")
	if rapid.Bool().Draw(t, "participant") {
		c.Participants = []Participant{{UserID: rapid.SampledFrom(userPool).Draw(t, "participantUser"), Role: "AUDITOR"}}
	}
	c.PositionPath = rapid.SampledFrom(append([]string{""}, pathPool...)).Draw(t, "casePosition")
	c.ClientID = rapid.SampledFrom(append([]string{""}, clientPool...)).Draw(t, "caseClient")
	return c
}

func genDocument(t *rapid.T) *Document {
	d := &Document{ID: "d", AuthorID: rapid.SampledFrom(userPool).Draw(t, "author"), Confidential: rapid.Bool().Draw(t, "confidential"),
		PositionPath:     rapid.SampledFrom(append([]string{""}, pathPool...)).Draw(t, "docPosition"),
		ClientID:         rapid.SampledFrom(append([]string{""}, clientPool...)).Draw(t, "docClient"),
		CaseAllDocuments: genRefs(t, "allDocuments"),
		ActiveTasks:      rapid.SliceOfN(rapid.SampledFrom(userPool), 0, 2).Draw(t, "docTasks")}
	d.ACL = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) DocumentACLEntry {
		return DocumentACLEntry{Ref: genRef.Draw(t, "docRef"), Right: rapid.SampledFrom([]Right{NoRight, Read, Write, Manage}).Draw(t, "docRight")}
	}), 0, 2).Draw(t, "docACL")
	return d
}

// sqlOf renders a query modifier's SQL on an empty cases query, without a database.
func sqlOf(apply func(*bun.SelectQuery) *bun.SelectQuery) string {
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	return db.NewSelect().TableExpr("cases AS c").Column("c.id").Apply(apply).String()
}

// TestLawSubstituteDecidesAsSubstituted: a principal working in a substitution for B carries B's
// facts but another native user A (who, in these small pools, is often the creator, an assignee or
// named in a list) and a substitution. Every decision about cases, sections, fields, documents,
// their explanations and their SQL must be exactly B's own: the native user never adds or takes
// away anything.
func TestLawSubstituteDecidesAsSubstituted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SampledFrom(userPool).Draw(t, "substituted")
		a := rapid.SampledFrom(userPool).Filter(func(u string) bool { return u != b }).Draw(t, "substitute")
		own := genInternal(t, b)
		sub := *own
		sub.NativeUserID, sub.SubstitutionID, sub.SessionID = a, "substitution", "s-"+a
		if !sub.Substituting() || own.Substituting() {
			t.Fatalf("Substituting(): substitute %v, substituted %v", sub.Substituting(), own.Substituting())
		}
		// A as itself, so that a rule reading the native user would be caught: it differs from B's
		// decision somewhere in most worlds.
		f := genForm(t)
		for range rapid.IntRange(1, 3).Draw(t, "cases") {
			c := genRichCase(t, f)
			want, got := Decide(own, c, f), Decide(&sub, c, f)
			if got.Right != want.Right || !reflect.DeepEqual(got.GrantedBy, want.GrantedBy) || !reflect.DeepEqual(got.Sections, want.Sections) {
				t.Fatalf("case: substitute gets %s %v %v, substituted %s %v %v",
					got.Right, got.GrantedBy, got.Sections, want.Right, want.GrantedBy, want.Sections)
			}
			for si, s := range f.Sections {
				for fi := range s.Fields {
					if got.Field(si, fi) != want.Field(si, fi) {
						t.Fatalf("field %d.%d: substitute %s, substituted %s", si, fi, got.Field(si, fi), want.Field(si, fi))
					}
					if ge, we := Explain(&sub, c, f, si, fi), Explain(own, c, f, si, fi); !reflect.DeepEqual(ge, we) {
						t.Fatalf("explanation of %d.%d:\nsubstitute %+v\nsubstituted %+v", si, fi, ge, we)
					}
				}
			}
			gf, gs := got.HiddenFields()
			wf, ws := want.HiddenFields()
			if !reflect.DeepEqual(gf, wf) || !reflect.DeepEqual(gs, ws) {
				t.Fatalf("hidden: substitute %v %v, substituted %v %v", gf, gs, wf, ws)
			}
		}
		for range rapid.IntRange(1, 3).Draw(t, "documents") {
			d := genDocument(t)
			if got, want := DocumentRightsOn(&sub, d), DocumentRightsOn(own, d); !reflect.DeepEqual(got, want) {
				t.Fatalf("document: substitute %+v, substituted %+v", got, want)
			}
		}
		scope := CaseScope{Procedures: []string{"p"}, KeepAccess: rapid.SliceOfN(rapid.Just("p"), 0, 1).Draw(t, "keep"),
			Granted: rapid.SliceOfN(rapid.Just("p"), 0, 1).Draw(t, "granted")}
		if got, want := sqlOf(VisibleCases(&sub, scope)), sqlOf(VisibleCases(own, scope)); got != want {
			t.Fatalf("VisibleCases:\nsubstitute  %s\nsubstituted %s", got, want)
		}
		if got, want := sqlOf(VisibleDocuments(&sub)), sqlOf(VisibleDocuments(own)); got != want {
			t.Fatalf("VisibleDocuments:\nsubstitute  %s\nsubstituted %s", got, want)
		}
		substituted := rapid.SampledFrom(userPool).Draw(t, "someSubstituted")
		managers := rapid.SliceOfNDistinct(rapid.SampledFrom(userPool), 0, 2, rapid.ID[string]).Draw(t, "managers")
		visible := rapid.Bool().Draw(t, "visibleToExternal")
		for _, c := range []struct {
			what      string
			got, want any
		}{
			{"Authenticated", Authenticated(&sub), Authenticated(own)},
			{"Internal", Internal(&sub), Internal(own)},
			{"Administer", Administer(&sub), Administer(own)},
			{"ViewAudit", ViewAudit(&sub), ViewAudit(own)},
			{"Permitted", Permitted(&sub, PermGrantGuestAccess), Permitted(own, PermGrantGuestAccess)},
			{"CommentsFor", CommentsFor(&sub), CommentsFor(own)},
			{"CasePart", CasePart(&sub, PartHistory), CasePart(own, PartHistory)},
			{"AttachmentVisible", AttachmentVisible(&sub, visible), AttachmentVisible(own, visible)},
			{"AttachmentVisibility", AttachmentVisibility(&sub, &visible), AttachmentVisibility(own, &visible)},
			{"MayChangeAttachment", MayChangeAttachment(&sub, "grant", sub.UserID), MayChangeAttachment(own, "grant", own.UserID)},
			{"MoveCases", MoveCases(&sub), MoveCases(own)},
			{"SeesGrantEmail", SeesGrantEmail(&sub, "grant"), SeesGrantEmail(own, "grant")},
			{"MayShareCase", MayShareCase(&sub), MayShareCase(own)},
			{"MayMoveTo", MayMoveTo(&sub, "B"), MayMoveTo(own, "B")},
			{"SeesOrganisation", SeesOrganisation(&sub), SeesOrganisation(own)},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("%s: substitute %v, substituted %v", c.what, c.got, c.want)
			}
		}
		// The one deliberate exception: substitutions are not managed while substituting, and a
		// substitute grants nothing to themselves, so the mode cannot widen its own access.
		for what, d := range map[string]Decision{
			"MayManageSubstitutions":  MayManageSubstitutions(&sub),
			"ManageSubstitution":      ManageSubstitution(&sub, substituted, managers),
			"GrantTo the native user": GrantTo(&sub, sub.NativeUserID),
		} {
			if d.Allowed || d.Rule != RuleWhileSubstituting {
				t.Fatalf("%s while substituting: %+v", what, d)
			}
		}
		if sqlOf(ManageableSubstitutions(&sub)) != sqlOf(ManageableSubstitutions(nil)) {
			t.Fatalf("the substitutions a substitute manages: %s", sqlOf(ManageableSubstitutions(&sub)))
		}
		if got, want := GrantTo(&sub, substituted), GrantTo(own, substituted); substituted != sub.NativeUserID && got != want {
			t.Fatalf("GrantTo %s: substitute %v, substituted %v", substituted, got, want)
		}
	})
}
