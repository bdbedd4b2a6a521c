package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/users"
)

// DemoPassword is the password of every demo user (listed in the README).
const DemoPassword = "demo-pass-2026"

// DemoRequestedSalary is the requested salary the demo's director has entered on the salary change.
const DemoRequestedSalary = "9500.00"

// DemoGuestEmail is the login of the demo guest, ACME's contact Jan Klient (listed in the README).
const DemoGuestEmail = "jan.klient@acme.example"

// DemoUser is one demo account.
type DemoUser struct {
	Email, Name string
	Groups      []string
	Permissions []access.Permission
	Manager     string // e-mail of the manager
}

// DemoGroups are the seed's groups: the salary example hinges on Kadry, Zarząd and Dyrektorzy.
var DemoGroups = []string{"Kadry", "Zarząd", "Dyrektorzy", "Sprzedaż"}

// DemoUsers are the demo accounts, each in the groups the README describes.
var DemoUsers = []DemoUser{
	{Email: "admin@demo.casegate.test", Name: "Adam Administrator", Permissions: []access.Permission{access.PermAdmin}},
	{Email: "dyrektor@demo.casegate.test", Name: "Danuta Dyrektor", Groups: []string{"Dyrektorzy", "Zarząd"},
		Permissions: []access.Permission{access.PermManageSubstitutionsSubordinates, access.PermViewAudit}},
	{Email: "kadry@demo.casegate.test", Name: "Karolina Kadrowa", Groups: []string{"Kadry"}, Manager: "dyrektor@demo.casegate.test",
		Permissions: []access.Permission{access.PermManageSubstitutionsOwn, access.PermGrantGuestAccess}},
	{Email: "zarzad@demo.casegate.test", Name: "Zbigniew Zarządca", Groups: []string{"Zarząd"}},
	{Email: "pracownik@demo.casegate.test", Name: "Piotr Pracownik", Groups: []string{"Sprzedaż"}, Manager: "dyrektor@demo.casegate.test",
		Permissions: []access.Permission{access.PermManageSubstitutionsOwn}},
}

// LoadDemo creates the demo users, groups, positions and cases once; a second run finds them and
// does nothing.
func (a *App) LoadDemo(ctx context.Context, logger *slog.Logger) error {
	r := a.Resolver
	if _, err := users.FindByEmail(ctx, r.DB, DemoUsers[0].Email); err == nil {
		logger.Info("demo data already loaded")
		return nil
	} else if !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	sys := access.System()
	groupIDs := map[string]string{}
	for _, name := range DemoGroups {
		g, err := r.GroupService.Create(ctx, sys, name)
		if err != nil {
			return err
		}
		groupIDs[name] = g.ID
	}
	ids := map[string]string{}
	for _, du := range DemoUsers {
		in := users.CreateInput{Email: du.Email, Name: du.Name, Password: DemoPassword}
		if du.Manager != "" {
			m := ids[du.Manager]
			in.ManagerID = &m
		}
		u, err := r.UserService.Create(ctx, sys, in)
		if err != nil {
			return err
		}
		ids[du.Email] = u.ID
		for _, g := range du.Groups {
			if _, err := r.GroupService.AddMember(ctx, sys, groupIDs[g], u.ID); err != nil {
				return err
			}
		}
		for _, perm := range du.Permissions {
			if _, err := r.UserService.GrantPermission(ctx, sys, u.ID, perm); err != nil {
				return err
			}
		}
	}
	root, err := r.PositionService.Create(ctx, sys, "Zarząd spółki", nil)
	if err != nil {
		return err
	}
	hr, err := r.PositionService.Create(ctx, sys, "Dział kadr", &root.ID)
	if err != nil {
		return err
	}
	if _, err := r.PositionService.GrantRight(ctx, sys, root.ID, ids["dyrektor@demo.casegate.test"], true); err != nil {
		return err
	}
	if _, err := r.PositionService.GrantRight(ctx, sys, hr.ID, ids["kadry@demo.casegate.test"], false); err != nil {
		return err
	}
	cs, err := a.loadDemoCases(ctx, groupIDs, ids, hr.ID)
	if err != nil {
		return err
	}
	logger.Info("demo data loaded", "users", len(DemoUsers), "cases", cs, "password", DemoPassword)
	return nil
}
