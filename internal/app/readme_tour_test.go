package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casegate/casegate/internal/app"
)

// TestReadmeTour sends the requests of the README's five-minute tour as they are written there, on
// the demo data, as the users the tour names, and checks what its text says each one gets.
func TestReadmeTour(t *testing.T) {
	const tour = "## A five-minute tour"
	sec, blocks := readmeText(t, tour), readmeBlocks(t, tour, 7)
	s := demoServer(t)
	ids := map[string]string{}
	run := readmeRunner(t, ids)

	// 1–3: the administrator logs in, reads, creates a group and finds it in the audit log.
	var login struct {
		Login struct {
			Token  string
			Viewer struct{ Permissions []string }
		}
	}
	run(s.Anonymous(), blocks[0]).MustOK(t).Decode(t, &login)
	if login.Login.Token == "" || !strings.Contains(fmt.Sprint(login.Login.Viewer.Permissions), "ADMIN") {
		t.Fatalf("admin's login %+v", login)
	}
	admin := s.WithToken(login.Login.Token)
	run(admin, blocks[1]).MustOK(t)
	run(admin, blocks[2]).MustOK(t)
	var audit struct {
		AuditLog struct {
			Edges []struct{ Node struct{ Action string } }
		}
	}
	run(admin, blocks[3]).MustOK(t).Decode(t, &audit)
	if len(audit.AuditLog.Edges) == 0 || !strings.HasPrefix(audit.AuditLog.Edges[0].Node.Action, "group.") {
		t.Fatalf("the audit log does not start with the new group: %+v", audit)
	}

	// 4: the salary example, as the four people see it.
	type salaryNode struct {
		ID           string
		Compensation *struct{ CurrentSalary, RequestedSalary *string }
		Case         struct {
			Stage  string
			Access struct {
				Rights    []string
				GrantedBy []string
				Fields    []struct{ Field, Mode string }
			}
		}
	}
	for _, tc := range []struct {
		email, says  string // says: what the README states for the user
		mode         string // requestedSalary's mode
		value        *string
		currentMode  string
		hiddenListed bool
	}{
		{"dyrektor@demo.casegate.test", "`dyrektor@…` gets `requestedSalary` as REQUIRED", "REQUIRED", ptr(app.DemoRequestedSalary), "MODIFY", false},
		{"kadry@demo.casegate.test", "`kadry@…` and `zarzad@…` get `requestedSalary` as READ_ONLY", "READ_ONLY", ptr(app.DemoRequestedSalary), "READ_ONLY", false},
		{"zarzad@demo.casegate.test", "`kadry@…` and `zarzad@…` get `requestedSalary` as READ_ONLY", "READ_ONLY", ptr(app.DemoRequestedSalary), "READ_ONLY", false},
		{"pracownik@demo.casegate.test", "`pracownik@…` gets `requestedSalary` as HIDDEN", "HIDDEN", nil, "READ_ONLY", true},
	} {
		t.Run(tc.email, func(t *testing.T) {
			if !strings.Contains(sec, tc.says) {
				t.Fatalf("the README no longer says %q", tc.says)
			}
			r := run(s.Login(tc.email, app.DemoPassword), blocks[4]).MustOK(t)
			var out struct {
				SalaryChanges struct{ Edges []struct{ Node salaryNode } }
			}
			r.Decode(t, &out)
			if len(out.SalaryChanges.Edges) != 1 {
				t.Fatalf("%d salary changes", len(out.SalaryChanges.Edges))
			}
			n := out.SalaryChanges.Edges[0].Node
			ids["<id>"] = n.ID
			if n.Case.Stage != "APPROVAL" {
				t.Fatalf("stage %s", n.Case.Stage)
			}
			modes := map[string]string{}
			for _, f := range n.Case.Access.Fields {
				modes[f.Field] = f.Mode
			}
			if got := modes["compensation.requestedSalary"]; got != tc.mode {
				t.Errorf("requestedSalary is %s, the README says %s", got, tc.mode)
			}
			if got := modes["compensation.currentSalary"]; got != tc.currentMode {
				t.Errorf("currentSalary is %s, want %s", got, tc.currentMode)
			}
			if n.Compensation == nil || n.Compensation.CurrentSalary == nil {
				t.Fatalf("currentSalary not read: %+v", n.Compensation)
			}
			got := n.Compensation.RequestedSalary
			if (got == nil) != (tc.value == nil) || got != nil && *got != *tc.value {
				t.Errorf("requestedSalary = %v, want %v", deref(got), deref(tc.value))
			}
			hidden := fmt.Sprint(r.Extensions["hiddenFields"])
			if listed := strings.Contains(hidden, "compensation.requestedSalary"); listed != tc.hiddenListed {
				t.Errorf("extensions.hiddenFields = %s; listing requestedSalary: %v, want %v", hidden, listed, tc.hiddenListed)
			}
		})
	}

	// …and why Piotr does not see it.
	var found struct {
		Users struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	run(admin, blocks[5]).MustOK(t).Decode(t, &found)
	if len(found.Users.Edges) != 1 || found.Users.Edges[0].Node.Name != "Piotr Pracownik" {
		t.Fatalf("the search for Piotr found %+v", found)
	}
	ids["<pracownik's id>"] = found.Users.Edges[0].Node.ID
	var why struct {
		ExplainFieldAccess struct {
			Mode  string
			Steps []struct{ Layer, Setting, Value, Rule string }
		}
	}
	run(admin, blocks[6]).MustOK(t).Decode(t, &why)
	e := why.ExplainFieldAccess
	if e.Mode != "HIDDEN" || len(e.Steps) == 0 {
		t.Fatalf("explanation %+v", e)
	}
	first, last := e.Steps[0], e.Steps[len(e.Steps)-1]
	if first.Layer != "CASE" || first.Value != "READ" || !strings.Contains(first.Rule, "CREATOR") || !strings.Contains(first.Rule, "PAST_ASSIGNEE") {
		t.Errorf("first step %+v, the README says READ granted by CREATOR and PAST_ASSIGNEE", first)
	}
	if last.Layer != "LISTS" || last.Value != "HIDDEN" {
		t.Errorf("last step %+v, the README says LISTS making it HIDDEN", last)
	}
	stage := false
	for _, st := range e.Steps {
		stage = stage || st.Layer == "STAGE_EXCEPTION" && st.Value == "REQUIRED" && strings.Contains(st.Setting, "APPROVAL")
	}
	if !stage {
		t.Errorf("no REQUIRED stage exception at APPROVAL among %+v", e.Steps)
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
