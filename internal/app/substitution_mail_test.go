package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/gqltest"
)

// texts are the subjects and bodies of the mails that reached address so far.
func texts(t *testing.T, s *gqltest.Server, address string) []string {
	t.Helper()
	var out []string
	for _, m := range mailsTo(t, s, address) {
		out = append(out, m.Subject+"\n"+m.Body)
	}
	return out
}

// TestMailsToTheSubstitutedAreCopied: while the substitution forwards e-mails, a task mail to Anna
// is copied to Bogdan, marked as hers; her password reset is not.
func TestMailsToTheSubstitutedAreCopied(t *testing.T) {
	w := newSubstitutionWorld(t)
	w.admin.Do(`mutation($id: ID!, $a: ID!) { moveCase(id: $id, toStage: "APPROVAL", assigneeIds: [$a]) { id } }`,
		map[string]any{"id": w.caseID, "a": w.annaID}).MustOK(t)
	w.s.Anonymous().Do(`mutation { requestPasswordReset(email: "anna@casegate.test") }`, nil).MustOK(t)
	anna, bogdan := texts(t, w.s, "anna@casegate.test"), texts(t, w.s, "bogdan@casegate.test")
	if len(anna) != 2 || len(bogdan) != 1 {
		t.Fatalf("Anna got %q, Bogdan %q", anna, bogdan)
	}
	if !strings.Contains(bogdan[0], "[for Anna Nowak]") || !strings.Contains(bogdan[0], "/cases/"+w.caseID) ||
		strings.Contains(strings.ToLower(bogdan[0]), "reset") {
		t.Errorf("Bogdan's copy: %q", bogdan[0])
	}

	// Without forwarding, nothing is copied.
	mustSubstitution(t, updateSubstitution(w.admin, w.substitutionID, map[string]any{"active": false}))
	mustSubstitution(t, createSubstitution(w.admin, map[string]any{"substitutedId": w.annaID, "substituteId": w.bogdanID,
		"forwardEmails": false, "dateTo": warsawDay(w.s, 1)}))
	w.admin.Do(`mutation($id: ID!, $a: ID!) { moveCase(id: $id, toStage: "HR", assigneeIds: [$a]) { id } }`,
		map[string]any{"id": w.caseID, "a": w.annaID}).MustOK(t)
	if got := texts(t, w.s, "bogdan@casegate.test"); len(got) != 1 {
		t.Errorf("Bogdan got %d copies in all, want the first only", len(got))
	}
}

// TestSubstitutionNotices: both users are told once when the period begins; the substitute and the
// substituted user's manager are reminded once on the last day (substitutionReminderDays = 1) with
// the extension, and again after an extension.
func TestSubstitutionNotices(t *testing.T) {
	w := newSubstitutionWorld(t, func(c *config.Config) { c.SessionTTL = 30 * 24 * time.Hour })
	manager := createUser(t, w.admin, "kierownik@casegate.test", "Kierownik")
	updateUser(t, w.admin, w.annaID, map[string]any{"managerId": manager})
	notices := func(want int) {
		t.Helper()
		n, err := w.s.App.Resolver.SubstitutionService.SendNotices(t.Context())
		if err != nil || n != want {
			t.Fatalf("notices sent for %d substitutions (%v), want %d", n, err, want)
		}
	}
	notices(1)
	notices(0)
	if a := texts(t, w.s, "anna@casegate.test"); len(a) != 1 || !strings.Contains(a[0], "Bogdan Zastępca substitutes you") {
		t.Errorf("Anna's notice: %q", a)
	}
	if b := texts(t, w.s, "bogdan@casegate.test"); len(b) != 1 || !strings.Contains(b[0], "You substitute Anna Nowak") ||
		strings.Contains(b[0], "[for ") {
		t.Errorf("Bogdan's notice: %q", b)
	}

	// The substitution ends at the end of the day after tomorrow: no reminder until its last day.
	w.s.Clock.Advance(24 * time.Hour)
	notices(0)
	w.s.Clock.Advance(24 * time.Hour)
	notices(1)
	notices(0)
	want := map[string]int{"bogdan@casegate.test": 2, "kierownik@casegate.test": 1}
	for to, n := range want {
		got := texts(t, w.s, to)
		if len(got) != n || !strings.Contains(got[n-1], `extendSubstitution(id: "`+w.substitutionID+`"`) {
			t.Errorf("reminder to %s: %q", to, got)
		}
	}
	if got := texts(t, w.s, "anna@casegate.test"); len(got) != 1 {
		t.Errorf("Anna is reminded: %q", got)
	}

	// Extended by the manager's one step, it is reminded again on the new last day.
	grantPermission(t, w.admin, manager, "MANAGE_SUBSTITUTIONS_SUBORDINATES")
	kierownik := w.s.Login("kierownik@casegate.test", "user-password-1")
	kierownik.Do(`mutation($id: ID!, $d: Date!) { extendSubstitution(id: $id, dateTo: $d) { dateTo } }`,
		map[string]any{"id": w.substitutionID, "d": warsawDay(w.s, 3)}).MustOK(t)
	notices(0)
	w.s.Clock.Advance(3 * 24 * time.Hour)
	notices(1)

	// Off: no reminders at all.
	w.admin = w.s.Admin()
	w.admin.Do(`mutation { updateSettings(input: {substitutionReminderDays: 0}) { substitutionReminderDays } }`, nil).MustOK(t)
	w.admin.Do(`mutation { updateSettings(input: {substitutionReminderDays: 31}) { substitutionReminderDays } }`, nil).MustFail(t, "BAD_USER_INPUT")
	mustSubstitution(t, createSubstitution(w.admin, map[string]any{"substitutedId": w.annaID, "substituteId": w.bogdanID}))
	notices(1) // its start only
	notices(0)
}
