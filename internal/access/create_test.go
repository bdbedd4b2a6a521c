package access

import (
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/casegate/casegate/internal/apperr"
)

// TestCreateCaseTable is the creation rule: who may create a case of a procedure, with and without
// externalCreate, and who may ask for the procedures it may create at all.
func TestCreateCaseTable(t *testing.T) {
	var (
		anonymous *Principal
		employee  = &Principal{Kind: KindInternal, UserID: "u", NativeUserID: "u"}
		admin     = &Principal{Kind: KindInternal, UserID: "a", NativeUserID: "a", Permissions: []Permission{PermAdmin}}
		guest     = &Principal{Kind: KindExternal, UserID: "g", ContactID: "c", CompanyID: "acme"}
		loneGuest = &Principal{Kind: KindExternal, UserID: "h", ContactID: "d"} // a contact of no company
		temporary = &Principal{Kind: KindTemporary, GrantID: "t"}
		system    = System()
	)
	unauth, deny := apperr.ErrUnauthenticated, apperr.ErrForbidden
	for _, tc := range []struct {
		name                    string
		p                       *Principal
		any, internal, external error // CreateCases; CreateCase without and with externalCreate
	}{
		{"anonymous", anonymous, unauth, unauth, unauth},
		{"employee", employee, nil, nil, nil},
		{"admin", admin, nil, nil, nil},
		{"system", system, nil, nil, nil},
		// A guest creates cases only of procedures marked externalCreate.
		{"guest", guest, nil, deny, nil},
		{"guest without a company", loneGuest, nil, deny, nil},
		// A temporary-access session sees one case and creates none.
		{"temporary", temporary, deny, deny, deny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what string
				got  Decision
				want error
			}{
				{"CreateCases", CreateCases(tc.p), tc.any},
				{"CreateCase(externalCreate: false)", CreateCase(tc.p, false), tc.internal},
				{"CreateCase(externalCreate: true)", CreateCase(tc.p, true), tc.external},
			} {
				err := c.got.Err()
				if (err == nil) != (c.want == nil) || c.want != nil && !errors.Is(err, c.want) {
					t.Errorf("%s = %v (rule %s), want %v", c.what, err, c.got.Rule, c.want)
				}
				if c.got.Rule == "" {
					t.Errorf("%s names no rule", c.what)
				}
			}
		})
	}
}

// TestNewCaseModes: the modes on a case about to be created are those the creator gets on it once
// created — an employee or a guest holds the first task (WRITE), so it may fill the form in with
// its audience's modes; a guest takes part through its contact and its company is the client.
func TestNewCaseModes(t *testing.T) {
	form := NewForm("service-request", true, []SectionSettings{
		{Key: "request", Settings: Settings{Internal: Modify, External: Modify,
			Exceptions: []StageMode{{Stage: "IN_PROGRESS", External: ReadOnly}}},
			Fields: []FieldSettings{{Key: "subject", Settings: Settings{Internal: Required, External: Required}},
				{Key: "description", Settings: Settings{Internal: AsSection, External: AsSection}}}},
		{Key: "internal", Settings: Settings{Internal: Modify, External: Hidden},
			Fields: []FieldSettings{{Key: "estimate", Settings: Settings{Internal: AsSection, External: AsSection}}}},
	}, nil)
	guest := &Principal{Kind: KindExternal, UserID: "g", ContactID: "c", CompanyID: "acme"}
	employee := &Principal{Kind: KindInternal, UserID: "u"}
	for _, tc := range []struct {
		name  string
		p     *Principal
		stage string
		right Right
		want  [3]Mode // request.subject, request.description, internal.estimate
	}{
		{"guest at the first stage", guest, "NEW", Write, [3]Mode{Required, Modify, Hidden}},
		{"guest at a stage with an exception", guest, "IN_PROGRESS", Write, [3]Mode{Required, ReadOnly, Hidden}},
		{"employee", employee, "NEW", Write, [3]Mode{Required, Modify, Modify}},
		{"anonymous", nil, "NEW", NoRight, [3]Mode{Hidden, Hidden, Hidden}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCase(tc.p, tc.stage)
			d := Decide(tc.p, c, form)
			if d.Right != tc.right {
				t.Errorf("right %s, want %s (granted by %v)", d.Right, tc.right, d.GrantedBy)
			}
			got := [3]Mode{d.Field(0, 0), d.Field(0, 1), d.Field(1, 0)}
			if got != tc.want {
				t.Errorf("modes %v, want %v", got, tc.want)
			}
		})
	}
	c := NewCase(guest, "NEW")
	if c.ClientID != "acme" || len(c.Participants) != 1 || c.Participants[0].ContactID != "c" || c.CreatorID != "g" {
		t.Errorf("a guest's new case = %+v", c)
	}
}

// TestLawCreatorMayFillItsForm: whoever may create a case of a procedure holds WRITE on the case it
// creates, so its create form is its audience's configured modes, never capped to READ_ONLY; and a
// guest's create form shows exactly its external modes at the first stage.
func TestLawCreatorMayFillItsForm(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genForm(t)
		p := genPrincipal(t)
		if p.Kind == KindExternal {
			p.ContactID, p.CompanyID = "contact", rapid.SampledFrom([]string{"", "acme"}).Draw(t, "company")
		}
		stage := rapid.SampledFrom(stagePool).Draw(t, "first")
		if !CreateCase(p, true).Allowed {
			return
		}
		d := Decide(p, NewCase(p, stage), f)
		if d.Right < Write {
			t.Fatalf("%s creator gets %s on its new case (%v)", p.Kind, d.Right, d.GrantedBy)
		}
		// Deciding as a plain assignee of a case at that stage gives the same modes: creating
		// adds no right that changes what the form shows.
		plain := Decide(p, &Case{Stage: stage, Assignees: []string{p.UserID}}, f)
		for si, s := range f.Sections {
			for fi := range s.Fields {
				if d.Field(si, fi) != plain.Field(si, fi) {
					t.Fatalf("field %d.%d: %s on the new case, %s as an assignee", si, fi, d.Field(si, fi), plain.Field(si, fi))
				}
			}
		}
	})
}

func TestChoosesCaseLinks(t *testing.T) {
	for _, c := range []struct {
		p    *Principal
		want bool
	}{
		{nil, false},
		{&Principal{Kind: KindInternal, UserID: "u"}, true},
		{System(), true},
		{&Principal{Kind: KindExternal, UserID: "g", ContactID: "c", CompanyID: "co"}, false},
	} {
		if got := ChoosesCaseLinks(c.p); got != c.want {
			t.Errorf("ChoosesCaseLinks(%+v) = %v, want %v", c.p, got, c.want)
		}
	}
}
