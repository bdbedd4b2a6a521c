package app

import (
	"context"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/forms"
)

// loadDemoCases sets up the seed's salary example and one case of each procedure (listed in the
// README). It returns how many cases it created.
func (a *App) loadDemoCases(ctx context.Context, groups, users map[string]string, hrPosition string) (int, error) {
	r := a.Resolver
	sys := access.System()
	as := func(email string) (*access.Principal, error) { return r.AuthService.PrincipalFor(ctx, users[email]) }
	ref := func(group string) access.Ref { return access.Ref{GroupID: groups[group]} }

	// The seed's worked example: the requested salary is visible only for Kadry and Zarząd and
	// modified only by Dyrektorzy.
	visible, modify := []access.Ref{ref("Kadry"), ref("Zarząd")}, []access.Ref{ref("Dyrektorzy")}
	if _, err := r.FormService.SetAccess(ctx, sys, "salary-change", "compensation.requestedSalary", true,
		forms.SettingsInput{VisibleOnlyFor: &visible, ModifyOnlyFor: &modify}); err != nil {
		return 0, err
	}
	// HR and the board read every salary change.
	for _, g := range []string{"Kadry", "Zarząd"} {
		if _, err := r.FormService.GrantProcedureAccess(ctx, sys, "salary-change", ref(g), access.Read); err != nil {
			return 0, err
		}
	}
	worker, err := as("pracownik@demo.casegate.test")
	if err != nil {
		return 0, err
	}
	title := "Podwyżka – Piotr Pracownik"
	salary, err := r.CaseService.Create(ctx, worker, "salary-change", cases.CreateInput{Title: &title, Values: map[string]any{
		"employee":     map[string]any{"employeeName": "Piotr Pracownik", "department": "Sprzedaż", "justification": "Przejęcie obsługi kluczowych klientów"},
		"compensation": map[string]any{"currentSalary": "8500.00"},
	}})
	if err != nil {
		return 0, err
	}
	if _, err := r.CaseService.Move(ctx, worker, salary.ID(), cases.MoveInput{ToStage: "APPROVAL",
		AssigneeIDs: []string{users["dyrektor@demo.casegate.test"]}}); err != nil {
		return 0, err
	}
	// The director enters the amount, so that each demo user sees the field as the README says: a
	// value for those it is visible to, null (and listed as hidden) for the worker.
	director, err := as("dyrektor@demo.casegate.test")
	if err != nil {
		return 0, err
	}
	if _, err := r.CaseService.Update(ctx, director, "salary-change", salary.ID(), map[string]any{
		"compensation": map[string]any{"requestedSalary": DemoRequestedSalary}}); err != nil {
		return 0, err
	}

	hr, err := as("kadry@demo.casegate.test")
	if err != nil {
		return 0, err
	}
	ctitle := "Kandydat – Anna Nowak"
	if _, err := r.CaseService.Create(ctx, hr, "candidate-questionnaire", cases.CreateInput{Title: &ctitle, PositionID: &hrPosition,
		Values: map[string]any{"basic": map[string]any{"firstName": "Anna", "lastName": "Nowak", "email": "anna.nowak@example.com"}}}); err != nil {
		return 0, err
	}

	acme, err := r.ClientService.CreateCompany(ctx, sys, "ACME sp. z o.o.")
	if err != nil {
		return 0, err
	}
	project, err := r.ClientService.CreateProject(ctx, sys, "Wdrożenie ACME", &acme.ID)
	if err != nil {
		return 0, err
	}
	stitle := "Awaria drukarki w biurze ACME"
	printer, err := r.CaseService.Create(ctx, worker, "service-request", cases.CreateInput{Title: &stitle, ClientID: &acme.ID, ProjectID: &project.ID,
		Values: map[string]any{
			"request":  map[string]any{"subject": "Drukarka nie drukuje", "description": "Od rana błąd E-42."},
			"internal": map[string]any{"estimate": "350.00", "internalNotes": "Klient z umową serwisową."},
		}})
	if err != nil {
		return 0, err
	}
	// ACME's contact takes part in its request and logs in to the portal as a guest.
	email := DemoGuestEmail
	jan, err := r.ClientService.CreateContact(ctx, sys, clients.ContactInput{Name: "Jan Klient", Email: &email, CompanyID: &acme.ID})
	if err != nil {
		return 0, err
	}
	if _, err := r.CaseService.AddParticipant(ctx, sys, printer.ID(), nil, &jan.ID, cases.Participant); err != nil {
		return 0, err
	}
	if err := r.GuestService.EnableWithPassword(ctx, sys, jan.ID, DemoPassword); err != nil {
		return 0, err
	}
	return 3, nil
}
