package app_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

const creatableQ = `{ creatableProcedures { key name typeName firstStage fields { field mode } } }`

type creatable struct {
	Key, Name, TypeName, FirstStage string
	Fields                          []struct{ Field, Mode string }
}

func creatableProcedures(t *testing.T, c *gqltest.Client) map[string]creatable {
	t.Helper()
	var out struct{ CreatableProcedures []creatable }
	c.Do(creatableQ, nil).MustOK(t).Decode(t, &out)
	m := map[string]creatable{}
	for _, p := range out.CreatableProcedures {
		m[p.Key] = p
	}
	return m
}

func (p creatable) modes() map[string]string {
	m := map[string]string{}
	for _, f := range p.Fields {
		m[f.Field] = f.Mode
	}
	return m
}

// demoServer is a server with the demo data loaded (ACME, its project, its guest Jan Klient).
func demoServer(t *testing.T) *gqltest.Server {
	t.Helper()
	s := gqltest.Start(t)
	if err := s.App.LoadDemo(t.Context(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCreatableProcedures: an employee may create cases of every procedure, a guest of those
// marked externalCreate only, each with the caller's modes on the new case at the first stage.
func TestCreatableProcedures(t *testing.T) {
	s := demoServer(t)
	admin := s.Admin()
	var all struct{ Procedures []struct{ Key string } }
	admin.Do(`{ procedures { key } }`, nil).MustOK(t).Decode(t, &all)

	staff := creatableProcedures(t, s.Login("pracownik@demo.casegate.test", app.DemoPassword))
	if len(staff) != len(all.Procedures) {
		t.Fatalf("an employee may create %d procedures, want all %d", len(staff), len(all.Procedures))
	}
	sr := staff["service-request"]
	if sr.Name != "Zgłoszenie serwisowe" || sr.TypeName != "ServiceRequest" || sr.FirstStage != "NEW" {
		t.Fatalf("service-request for an employee: %+v", sr)
	}
	if m := sr.modes(); m["request.subject"] != "REQUIRED" || m["request.description"] != "MODIFY" || m["internal.estimate"] != "MODIFY" ||
		len(m) != 4 {
		t.Errorf("an employee's modes on a new service request: %v", m)
	}

	guest := s.Login(app.DemoGuestEmail, app.DemoPassword)
	mine := creatableProcedures(t, guest)
	if len(mine) != 1 {
		t.Fatalf("a guest may create %v, want service-request only", mine)
	}
	m := mine["service-request"].modes()
	want := map[string]string{"request.subject": "REQUIRED", "request.description": "MODIFY", "internal.estimate": "HIDDEN", "internal.internalNotes": "HIDDEN"}
	for f, mode := range want {
		if m[f] != mode {
			t.Errorf("a guest's %s on a new service request: %s, want %s", f, m[f], mode)
		}
	}
	// The settings in force count: an administrator's change shows at once.
	admin.Do(`mutation { setFieldAccess(procedure: "service-request", field: "request.description", input: {external: READ_ONLY}) { path } }`, nil).MustOK(t)
	if m := creatableProcedures(t, guest)["service-request"].modes(); m["request.description"] != "READ_ONLY" {
		t.Errorf("after the override a guest's request.description is %s", m["request.description"])
	}
	// The guest still may not read the procedures' settings.
	guest.Do(`{ procedures { key } }`, nil).MustFail(t, "FORBIDDEN")
	s.Anonymous().Do(creatableQ, nil).MustFail(t, "UNAUTHENTICATED")
}
