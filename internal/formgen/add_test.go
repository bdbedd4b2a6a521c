package formgen

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leaveRequest is a throwaway procedure: adding a procedure is this one file plus go generate.
const leaveRequest = `"Wniosek urlopowy: a throwaway procedure of formgen's tests."
type LeaveRequest @procedure(key: "leave-request", name: "Wniosek urlopowy", stages: ["DRAFT", "APPROVAL", "DONE"]) {
  period: LeaveRequestPeriod
  approval: LeaveRequestApproval
}

"Okres urlopu."
type LeaveRequestPeriod @section(name: "Okres", stageExceptions: [{stage: "DONE", internal: READ_ONLY}]) {
  from: Date @field(name: "Od", internal: REQUIRED)
  to: Date @field(name: "Do", internal: REQUIRED)
  days: Int @field(name: "Liczba dni")
  substituteId: String @field(name: "Zastępca")
}

type LeaveRequestApproval @section(name: "Akceptacja", external: READ_ONLY) {
  approved: Boolean @field(name: "Zaakceptowano", stageExceptions: [{stage: "APPROVAL", internal: REQUIRED}])
  note: String @field(name: "Uwagi")
}
`

// TestAddProcedure runs the generator library on a copy of schema/ with one more procedure file.
func TestAddProcedure(t *testing.T) {
	dir := t.TempDir()
	copySchema(t, dir)
	write(t, filepath.Join(dir, "schema/procedures/leave-request.graphqls"), leaveRequest)

	written, err := Generate(dir)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(written) != 4 {
		t.Errorf("wrote %v, want the 4 output files", written)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	sdl := read(SDLFile)
	for _, want := range []string{
		"leaveRequest(id: ID!): LeaveRequest!",
		"leaveRequests(first: Int, after: String): LeaveRequestConnection!",
		"createLeaveRequest(input: LeaveRequestInput!, title: String, projectId: ID, clientId: ID, positionId: ID, assigneeIds: [ID!]): LeaveRequest!",
		"updateLeaveRequest(id: ID!, input: LeaveRequestInput!): LeaveRequest!",
		"input LeaveRequestPeriodInput @goModel(model: \"map[string]interface{}\") {",
		"\"Liczba dni\"\n  days: Int\n",
		"extend type LeaveRequest {",
		"salaryChange(id: ID!): SalaryChange!", // the shipped ones are still there
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("SDL lacks %q", want)
		}
	}
	loadWithGenerated(t, dir, sdl)

	registry := read(RegistryFile)
	for _, want := range []string{
		`Key:                 "leave-request",`,
		`Stages:              []string{"DRAFT", "APPROVAL", "DONE"},`,
		`{Key: "substituteId", Name: "Zastępca", GoName: "SubstituteID", Type: forms.String, Internal: access.AsSection, External: access.AsSection},`,
	} {
		if !strings.Contains(registry, want) {
			t.Errorf("registry lacks %q", want)
		}
	}
	if !strings.Contains(read(TypesFile), "func (p *LeaveRequest) Approval(ctx context.Context) *LeaveRequestApproval {") {
		t.Error("types lack LeaveRequest.Approval")
	}
	if !strings.Contains(read(ResolversFile), `procedures.AsLeaveRequest(r.CaseService.Update(ctx, principal(ctx), "leave-request", id, input))`) {
		t.Error("resolvers lack UpdateLeaveRequest")
	}

	// A second run writes nothing.
	if again, err := Generate(dir); err != nil || len(again) != 0 {
		t.Errorf("second run wrote %v, %v", again, err)
	}
}

// TestAddProcedureBuilds copies the repository, adds the procedure file, runs go generate ./...
// (formgen, then gqlgen) and go build ./... there, offline, from the module cache.
func TestAddProcedureBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the repository and runs go generate and go build")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	// generateAndBuild runs go generate and go build in a fresh copy of the repository, with the
	// procedure file when add is set; it returns the copy and the first failure.
	generateAndBuild := func(add bool) (string, error) {
		dir := t.TempDir()
		copyRepo(t, repoRoot, dir)
		if add {
			write(t, filepath.Join(dir, "schema/procedures/leave-request.graphqls"), leaveRequest)
		}
		for _, args := range [][]string{{"generate", "./..."}, {"build", "./..."}, {"vet", "./internal/procedures"}} {
			start := time.Now()
			cmd := exec.Command(goBin, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-buildvcs=false")
			if out, err := cmd.CombinedOutput(); err != nil {
				return dir, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
			}
			t.Logf("go %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		}
		return dir, nil
	}
	dir, err := generateAndBuild(true)
	if err != nil {
		// Tell "adding a procedure breaks the build" from "the checkout does not build anyway"
		// (e.g. while other parts of graph/ are being written).
		if _, baseErr := generateAndBuild(false); baseErr != nil {
			t.Skipf("the repository does not generate and build even without the new procedure:\n%v", baseErr)
		}
		t.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(dir, "graph/generated.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"func (ec *executionContext) _LeaveRequest_period(", "obj.Period(ctx)", "CreateLeaveRequest(ctx context.Context"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("graph/generated.go lacks %q", want)
		}
	}
}

// copyRepo copies the repository at src to dst, without .git.
func copyRepo(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || rel == "data" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
