package graph

import (
	"context"

	"github.com/casegate/casegate/graph/model"
	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/users"
)

func caseConnection(p relay.Page[*cases.Case], err error) (*model.CaseConnection, error) {
	return connection(p, err, func(c string, n **cases.Case) model.CaseEdge { return model.CaseEdge{Cursor: c, Node: *n} },
		func(e []model.CaseEdge, pi *model.PageInfo) *model.CaseConnection {
			return &model.CaseConnection{Edges: e, PageInfo: pi}
		})
}

func projectConnection(p relay.Page[*clients.Project], err error) (*model.ProjectConnection, error) {
	return connection(p, err, func(c string, n **clients.Project) model.ProjectEdge { return model.ProjectEdge{Cursor: c, Node: *n} },
		func(e []model.ProjectEdge, pi *model.PageInfo) *model.ProjectConnection {
			return &model.ProjectConnection{Edges: e, PageInfo: pi}
		})
}

// caseAccess reports the caller's decision on a case: rights, the rules, and every field's mode.
func caseAccess(c *cases.Case, s *cases.Service) (*model.CaseAccess, error) {
	d := c.Decision()
	proc := s.Registry.Get(c.Procedure)
	if proc == nil {
		return nil, apperr.NotFound("procedure")
	}
	return &model.CaseAccess{Rights: d.Right.Implied(), GrantedBy: nonNil(d.GrantedBy), Fields: fieldAccess(proc, d)}, nil
}

// fieldAccess lists every field of the form, as "section.field", with its mode in d.
func fieldAccess(proc *forms.Procedure, d *access.CaseDecision) []model.FieldAccess {
	out := make([]model.FieldAccess, 0, proc.FieldCount())
	for si, sec := range proc.Sections {
		for fi, f := range sec.Fields {
			out = append(out, model.FieldAccess{Field: sec.Key + "." + f.Key, Mode: d.Field(si, fi)})
		}
	}
	return out
}

// creatableProcedures is what the API shows of the procedures a caller may create cases of.
func creatableProcedures(list []cases.Creatable, err error) ([]model.CreatableProcedure, error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.CreatableProcedure, len(list))
	for i, c := range list {
		out[i] = model.CreatableProcedure{Key: c.Procedure.Key, Name: c.Procedure.Name, TypeName: c.Procedure.TypeName,
			FirstStage: c.Procedure.FirstStage(), Fields: fieldAccess(c.Procedure, c.Decision)}
	}
	return out, nil
}

func optionalGroup(ctx context.Context, id string) (*groups.Group, error) {
	if id == "" {
		return nil, nil
	}
	return loaders(ctx).Group().Load(ctx, id)()
}

func optionalClient(ctx context.Context, id string) (*clients.Client, error) {
	if id == "" {
		return nil, nil
	}
	return loaders(ctx).Client().Load(ctx, id)()
}

// clientOfKind is the case's client when it is of kind, else null.
func clientOfKind(ctx context.Context, id *string, kind clients.Kind) (*clients.Client, error) {
	c, err := optionalClient(ctx, deref(id))
	if err != nil || c == nil || c.Kind != kind {
		return nil, err
	}
	return c, nil
}

func loadUsers(ctx context.Context, ids []string) ([]users.User, error) {
	us, errs := loaders(ctx).User().LoadMany(ctx, ids)()
	out := make([]users.User, 0, len(us))
	for i, u := range us {
		if errs != nil && errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, *u)
	}
	return out, nil
}

func ref(in model.PrincipalRefInput) access.Ref {
	return access.Ref{UserID: deref(in.UserID), GroupID: deref(in.GroupID)}
}

func refs(in []model.PrincipalRefInput) *[]access.Ref {
	if in == nil {
		return nil
	}
	out := make([]access.Ref, len(in))
	for i, r := range in {
		out[i] = ref(r)
	}
	return &out
}

func settingsInput(in model.AccessSettingsInput) forms.SettingsInput {
	out := forms.SettingsInput{Internal: in.Internal, External: in.External, VisibleOnlyFor: refs(in.VisibleOnlyFor), ModifyOnlyFor: refs(in.ModifyOnlyFor)}
	if in.StageExceptions != nil {
		ex := make([]access.StageMode, len(in.StageExceptions))
		for i, e := range in.StageExceptions {
			ex[i] = access.StageMode{Stage: e.Stage, Internal: deref(e.Internal), External: deref(e.External)}
		}
		out.StageExceptions = &ex
	}
	return out
}

func sectionView(c *forms.Compiled, err error, key string) (*forms.SectionView, error) {
	if err != nil {
		return nil, err
	}
	v, ok := c.SectionView(key)
	if !ok {
		return nil, apperr.NotFound("section")
	}
	return &v, nil
}

func fieldView(c *forms.Compiled, err error, path string) (*forms.FieldView, error) {
	if err != nil {
		return nil, err
	}
	v, ok := c.FieldView(path)
	if !ok {
		return nil, apperr.NotFound("field")
	}
	return &v, nil
}

// guestAccount is the guest account of a contact, when the caller may know of it (employees, and
// the guest itself, also in the answer to its login); nil otherwise and when there is none.
func guestAccount(ctx context.Context, c *clients.Client) (*users.User, error) {
	if !c.OfViewer && !access.SeeGuestAccount(principal(ctx), c.ID) {
		return nil, nil
	}
	return loaders(ctx).GuestAccount().Load(ctx, c.ID)()
}

// primeCaseUsers hands the users loaded with a case (its creator, tasks, ACL and participants) to
// the request's user loader, so that showing them costs no query of its own.
func primeCaseUsers(ctx context.Context, c *cases.Case) {
	l := loaders(ctx).User()
	for _, u := range c.Users() {
		l.Prime(ctx, u.ID, &u)
	}
}
