package tempaccess

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/forms"
)

var questionnaire = &forms.Procedure{Key: "candidate-questionnaire", Stages: []string{"PREPARATION", "CANDIDATE_DATA", "HR_REVIEW", "DONE"}}

func ptr[T any](v T) *T { return &v }

// TestInputDefaults: the window, the stages and the system user follow the grant's move.
func TestInputDefaults(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		in       Input
		stages   []string
		move     string
		toSystem bool
		until    time.Time
	}{
		{"nothing but the person", Input{}, []string{"PREPARATION"}, "", false, now.AddDate(0, 0, 3)},
		{"the seed's move", Input{MoveToStage: ptr("CANDIDATE_DATA")}, []string{"CANDIDATE_DATA"}, "CANDIDATE_DATA", true, now.AddDate(0, 0, 3)},
		{"move, the caller keeps the task", Input{MoveToStage: ptr("CANDIDATE_DATA"), AssignToSystemUser: ptr(false)}, []string{"CANDIDATE_DATA"}, "CANDIDATE_DATA", false, now.AddDate(0, 0, 3)},
		{"system user where the case is", Input{AssignToSystemUser: ptr(true)}, []string{"PREPARATION"}, "PREPARATION", true, now.AddDate(0, 0, 3)},
		{"to the last stage: nobody", Input{MoveToStage: ptr("DONE")}, []string{"DONE"}, "DONE", false, now.AddDate(0, 0, 3)},
		{"stages given, repeats dropped", Input{Stages: []string{"CANDIDATE_DATA", "HR_REVIEW", "CANDIDATE_DATA"}}, []string{"CANDIDATE_DATA", "HR_REVIEW"}, "", false, now.AddDate(0, 0, 3)},
		{"days", Input{ValidForDays: ptr(7)}, []string{"PREPARATION"}, "", false, now.AddDate(0, 0, 7)},
		{"from later, days after it", Input{ValidFrom: ptr(now.Add(time.Hour)), ValidForDays: ptr(1)}, []string{"PREPARATION"}, "", false, now.Add(25 * time.Hour)},
		{"a year ahead, the longest window", Input{ValidFrom: ptr(now.AddDate(1, 0, 0)), ValidForDays: ptr(30)}, []string{"PREPARATION"}, "", false, now.AddDate(1, 0, 30)},
		{"until, the longest window", Input{ValidUntil: ptr(now.AddDate(0, 0, 30))}, []string{"PREPARATION"}, "", false, now.AddDate(0, 0, 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Email, tc.in.LoginMethod = "kandydat@example.com", EmailCode
			c, err := tc.in.check(questionnaire, "PREPARATION", now, 30)
			if err != nil {
				t.Fatal(err)
			}
			move := ""
			if c.move != nil {
				move = *c.move
			}
			if !slices.Equal(c.stages, tc.stages) || move != tc.move || c.toSystem != tc.toSystem || !c.until.Equal(tc.until) {
				t.Fatalf("stages %v move %q toSystem %v until %s", c.stages, move, c.toSystem, c.until)
			}
			if c.body != DefaultBody || c.subject != DefaultSubject {
				t.Fatal("the default mail is not used")
			}
		})
	}
}

// TestInputRefused names the field of each bad input. The window's bounds: validFrom at most a
// year ahead, the window at most maxDays (30 here) long.
func TestInputRefused(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ok := func() Input { return Input{Email: "kandydat@example.com", LoginMethod: EmailCode} }
	for _, tc := range []struct {
		field string
		mod   func(*Input)
	}{
		{"email", func(in *Input) { in.Email = "not an address" }},
		{"phone", func(in *Input) { in.Phone = ptr("call me") }},
		{"firstName", func(in *Input) { in.FirstName = ptr(string(make([]byte, 201))) }},
		{"loginMethod", func(in *Input) { in.LoginMethod = "PIGEON" }},
		{"validUntil", func(in *Input) { in.ValidUntil, in.ValidForDays = ptr(now.Add(time.Hour)), ptr(1) }},
		{"validUntil", func(in *Input) { in.ValidUntil = ptr(now.Add(-time.Minute)) }},
		{"validUntil", func(in *Input) { in.ValidFrom, in.ValidUntil = ptr(now.Add(2*time.Hour)), ptr(now.Add(time.Hour)) }},
		{"validUntil", func(in *Input) { in.ValidUntil = ptr(now.AddDate(2, 0, 0)) }},
		{"validForDays", func(in *Input) { in.ValidForDays = ptr(0) }},
		{"validFrom", func(in *Input) { in.ValidFrom = ptr(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)) }},
		{"validFrom", func(in *Input) { in.ValidFrom = ptr(now.AddDate(1, 0, 0).Add(time.Second)) }},
		{"validForDays", func(in *Input) { in.ValidForDays = ptr(31) }},
		{"validUntil", func(in *Input) { in.ValidUntil = ptr(now.AddDate(0, 0, 30).Add(time.Second)) }},
		{"validUntil", func(in *Input) { in.ValidFrom, in.ValidUntil = ptr(now.AddDate(0, 0, -40)), ptr(now.AddDate(0, 0, 1)) }},
		{"moveToStage", func(in *Input) { in.MoveToStage = ptr("ARCHIVE") }},
		{"assignToSystemUser", func(in *Input) { in.MoveToStage, in.AssignToSystemUser = ptr("DONE"), ptr(true) }},
		{"stages", func(in *Input) { in.Stages = []string{"candidate_data"} }},
		{"allowedMoves", func(in *Input) { in.AllowedMoves = []string{"NOWHERE"} }},
		{"allowedActions", func(in *Input) { in.AllowedActions = append(in.AllowedActions, "EVERYTHING") }},
		{"mailSubject", func(in *Input) { in.MailSubject = ptr("two\nlines") }},
		{"mailBody", func(in *Input) { in.MailBody = ptr("no link in here") }},
	} {
		in := ok()
		tc.mod(&in)
		_, err := in.check(questionnaire, "PREPARATION", now, 30)
		var ie *apperr.InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

func TestLinkToken(t *testing.T) {
	for in, want := range map[string]string{
		"https://portal.example.com/access/abc_DEF-123":        "abc_DEF-123",
		"https://portal.example.com/base/access/abc/?utm=mail": "abc",
		"  abc  ": "abc",
		"https://portal.example.com/access/abc#top": "abc",
	} {
		if got, err := linkToken(in); err != nil || got != want {
			t.Errorf("linkToken(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "https://x/access/", string(make([]byte, maxLink+1))} {
		if _, err := linkToken(bad); !errors.Is(err, apperr.ErrBadInput) {
			t.Errorf("linkToken(%.20q) = %v, want BAD_USER_INPUT", bad, err)
		}
	}
}

// A code's hash is bound to its link: the same code for another link hashes differently.
func TestCodeHashBindsTheLink(t *testing.T) {
	if slices.Equal(codeHash("link-a", "123456"), codeHash("link-b", "123456")) {
		t.Fatal("the code's hash does not depend on the link")
	}
	for range 100 {
		if c := newCode(); len(c) != 6 || c < "000000" || c > "999999" {
			t.Fatalf("code %q", c)
		}
	}
}

func TestStateAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g := &Grant{ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour)}
	for at, want := range map[time.Time]State{now.Add(-2 * time.Hour): Scheduled, now: Active, now.Add(time.Hour): Expired} {
		if got := g.StateAt(at); got != want {
			t.Errorf("at %s: %s, want %s", at, got, want)
		}
	}
	g.RevokedAt = &now
	if g.StateAt(now) != Revoked {
		t.Error("a revoked grant is not REVOKED")
	}
}
