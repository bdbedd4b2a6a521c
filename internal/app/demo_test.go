package app_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// TestDemo loads the demo twice (the second run does nothing) and checks the salary example the
// README describes, through the API as the demo users see it.
func TestDemo(t *testing.T) {
	s := gqltest.Start(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 {
		if err := s.App.LoadDemo(t.Context(), logger); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count(`SELECT count(*) FROM cases`); n != 3 {
		t.Fatalf("%d demo cases, want 3", n)
	}
	salary := func(email string) *string {
		c := s.Login(email, app.DemoPassword)
		var out struct {
			SalaryChanges struct {
				Edges []struct {
					Node struct {
						Compensation *struct{ RequestedSalary *string }
					}
				}
			}
		}
		c.Do(`{ salaryChanges { edges { node { compensation { requestedSalary } } } } }`, nil).MustOK(t).Decode(t, &out)
		if len(out.SalaryChanges.Edges) != 1 {
			t.Fatalf("%s sees %d salary changes", email, len(out.SalaryChanges.Edges))
		}
		return out.SalaryChanges.Edges[0].Node.Compensation.RequestedSalary
	}
	// The worker who asked sees the case but not the requested salary; HR and the board see it.
	if salary("pracownik@demo.casegate.test") != nil {
		t.Fatal("the worker sees the requested salary")
	}
	for _, who := range []string{"kadry@demo.casegate.test", "zarzad@demo.casegate.test", "dyrektor@demo.casegate.test"} {
		if got := salary(who); got == nil || *got != app.DemoRequestedSalary {
			t.Fatalf("%s reads the requested salary as %v, want the director's %s", who, got, app.DemoRequestedSalary)
		}
	}
	// ACME's contact logs in as a guest and sees the request it takes part in, and only that.
	jan := s.Login(app.DemoGuestEmail, app.DemoPassword)
	var guest struct {
		Me    struct{ Kind string }
		Cases struct {
			Edges []struct{ Node struct{ Title string } }
		}
	}
	jan.Do(`{ me { kind } cases { edges { node { title } } } }`, nil).MustOK(t).Decode(t, &guest)
	if guest.Me.Kind != "EXTERNAL" || len(guest.Cases.Edges) != 1 || guest.Cases.Edges[0].Node.Title != "Awaria drukarki w biurze ACME" {
		t.Fatalf("the demo guest: %+v", guest)
	}
	// It sees ACME's project, and in it the one case it reads.
	var projects struct {
		Projects struct {
			Edges []struct {
				Node struct {
					Name  string
					Cases struct {
						Edges []struct{ Node struct{ Title string } }
					}
				}
			}
		}
	}
	jan.Do(`{ projects { edges { node { name cases { edges { node { title } } } } } } }`, nil).MustOK(t).Decode(t, &projects)
	if e := projects.Projects.Edges; len(e) != 1 || e[0].Node.Name != "Wdrożenie ACME" || len(e[0].Node.Cases.Edges) != 1 {
		t.Fatalf("the demo guest's projects: %+v", projects)
	}
	if n := s.Count(`SELECT count(*) FROM guest_invitations WHERE used_at IS NULL`); n != 0 {
		t.Fatalf("%d demo invitations still open", n)
	}
	dyr := s.Login("dyrektor@demo.casegate.test", app.DemoPassword)
	var tasks struct {
		MyTasks struct {
			Edges []struct{ Node struct{ Title, Stage string } }
		}
	}
	dyr.Do(`{ myTasks { edges { node { title stage } } } }`, nil).MustOK(t).Decode(t, &tasks)
	if len(tasks.MyTasks.Edges) != 1 || tasks.MyTasks.Edges[0].Node.Stage != "APPROVAL" {
		t.Fatalf("director's tasks = %+v", tasks)
	}
}
