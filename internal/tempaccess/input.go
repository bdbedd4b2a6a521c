package tempaccess

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/users"
)

// Input is grantTemporaryAccess's input (docs/temporary-access.md, "The grant").
type Input struct {
	Email        string
	Phone        *string
	FirstName    *string
	LastName     *string
	ValidFrom    *time.Time
	ValidUntil   *time.Time
	ValidForDays *int
	Stages       []string
	LoginMethod  LoginMethod
	MailSubject  *string
	MailBody     *string
	MoveToStage  *string
	// AssignToSystemUser defaults to true when MoveToStage is given (the AMODIT flow: the case
	// leaves every to-do list while the person works on it).
	AssignToSystemUser *bool
	AllowedMoves       []string
	AllowedActions     []access.Part
}

// Defaults and bounds of a grant. The longest window is a setting (temporaryAccessMaxDays).
const (
	DefaultDays = 3
	// MaxLeadTimeYears bounds how far ahead a window may open: a grant is for work about to be done,
	// and every time it holds stays one that PostgreSQL and Go can both read.
	MaxLeadTimeYears = 1
	// LinkPlaceholder is where the mail body gets the link.
	LinkPlaceholder = "{{link}}"
	maxSubject      = 300
	maxBody         = 20000
)

// DefaultSubject and DefaultBody are the mail sent when the grant gives none.
const (
	DefaultSubject = "Dostęp do sprawy: {{caseTitle}}"
	DefaultBody    = `Dzień dobry{{ firstName}},

otrzymujesz tymczasowy dostęp do sprawy „{{caseTitle}}” do {{validUntil}}.
Otwórz link i podaj jednorazowy kod, który wyślemy po kliknięciu:

{{link}}

Link jest przeznaczony tylko dla Ciebie; nie przekazuj go innym.`
)

// checked is an Input checked against the case's procedure, with its defaults applied.
type checked struct {
	Input
	email, subject, body string
	from, until          time.Time
	stages, moves        []string
	actions              []access.Part
	move                 *string
	toSystem             bool
}

// check checks in against the case's procedure at stage; maxDays is the longest window allowed.
func (in Input) check(proc *forms.Procedure, stage string, now time.Time, maxDays int) (*checked, error) {
	c := &checked{Input: in}
	var err error
	if c.email, err = users.NormalizeEmail("email", in.Email); err != nil {
		return nil, err
	}
	if c.Phone, err = users.NormalizePhone("phone", in.Phone); err != nil {
		return nil, err
	}
	if c.FirstName, err = optionalName("firstName", in.FirstName); err != nil {
		return nil, err
	}
	if c.LastName, err = optionalName("lastName", in.LastName); err != nil {
		return nil, err
	}
	if in.LoginMethod != EmailCode && in.LoginMethod != SMSCode {
		return nil, apperr.Input("loginMethod", "must be EMAIL_CODE or SMS_CODE")
	}
	if err := c.window(now, maxDays); err != nil {
		return nil, err
	}
	if in.MoveToStage != nil {
		if !proc.HasStage(*in.MoveToStage) {
			return nil, apperr.Input("moveToStage", fmt.Sprintf("%s has no stage %q", proc.Key, *in.MoveToStage))
		}
		c.move = in.MoveToStage
		stage = *in.MoveToStage // the stage the person will find the case at
	}
	last := in.MoveToStage != nil && *in.MoveToStage == proc.LastStage()
	c.toSystem = in.MoveToStage != nil && !last // the last stage has no assignees
	if in.AssignToSystemUser != nil {
		if *in.AssignToSystemUser && last {
			return nil, apperr.Input("assignToSystemUser", "the last stage has no assignees")
		}
		c.toSystem = *in.AssignToSystemUser
	}
	if c.toSystem && c.move == nil {
		c.move = &stage // to the system user at the stage the case is at
	}
	if c.stages, err = stageList(proc, "stages", in.Stages); err != nil {
		return nil, err
	}
	if len(c.stages) == 0 {
		c.stages = []string{stage}
	}
	if c.moves, err = stageList(proc, "allowedMoves", in.AllowedMoves); err != nil {
		return nil, err
	}
	for _, a := range in.AllowedActions {
		if !slices.Contains(access.Parts, a) {
			return nil, apperr.Input("allowedActions", fmt.Sprintf("%q is not ATTACHMENTS, COMMENTS or HISTORY", a))
		}
		if !slices.Contains(c.actions, a) {
			c.actions = append(c.actions, a)
		}
	}
	if c.actions == nil {
		c.actions = []access.Part{}
	}
	return c, c.mail()
}

// window applies validFrom (default now) and validUntil or validForDays (default 3 days, or
// maxDays when that is shorter). validFrom may be at most a year ahead and the window at most
// maxDays long.
func (c *checked) window(now time.Time, maxDays int) error {
	c.from = now
	if c.ValidFrom != nil {
		c.from = *c.ValidFrom
		if c.from.After(now.AddDate(MaxLeadTimeYears, 0, 0)) {
			return apperr.Input("validFrom", fmt.Sprintf("may be at most %d year ahead", MaxLeadTimeYears))
		}
	}
	longest := time.Duration(maxDays) * 24 * time.Hour
	switch {
	case c.ValidUntil != nil && c.ValidForDays != nil:
		return apperr.Input("validUntil", "give validUntil or validForDays, not both")
	case c.ValidUntil != nil:
		c.until = *c.ValidUntil
	case c.ValidForDays != nil:
		if *c.ValidForDays < 1 || *c.ValidForDays > maxDays {
			return apperr.Input("validForDays", fmt.Sprintf("must be between 1 and %d (temporaryAccessMaxDays)", maxDays))
		}
		c.until = c.from.AddDate(0, 0, *c.ValidForDays)
	default:
		c.until = c.from.AddDate(0, 0, min(DefaultDays, maxDays))
	}
	switch {
	case !c.until.After(c.from):
		return apperr.Input("validUntil", "must be after validFrom")
	case !c.until.After(now):
		return apperr.Input("validUntil", "is in the past")
	case c.until.Sub(c.from) > longest:
		return apperr.Input("validUntil", fmt.Sprintf("a grant lasts at most %d days (temporaryAccessMaxDays)", maxDays))
	}
	return nil
}

// mail checks the subject and body; the body must carry the link.
func (c *checked) mail() error {
	c.subject, c.body = DefaultSubject, DefaultBody
	if c.MailSubject != nil {
		c.subject = strings.TrimSpace(*c.MailSubject)
		if c.subject == "" || len(c.subject) > maxSubject || strings.ContainsAny(c.subject, "\r\n") || !forms.ValidText(c.subject) {
			return apperr.Input("mailSubject", fmt.Sprintf("must be one line of 1 to %d characters", maxSubject))
		}
	}
	if c.MailBody != nil {
		c.body = *c.MailBody
		if len(c.body) > maxBody || !forms.ValidText(c.body) {
			return apperr.Input("mailBody", fmt.Sprintf("must have at most %d characters", maxBody))
		}
		if !strings.Contains(c.body, LinkPlaceholder) {
			return apperr.Input("mailBody", "must contain the link placeholder "+LinkPlaceholder)
		}
	}
	return nil
}

func optionalName(field string, s *string) (*string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, nil
	}
	n, err := users.NormalizeName(field, *s)
	return &n, err
}

// stageList checks that every entry is a stage of proc and drops repeats.
func stageList(proc *forms.Procedure, field string, stages []string) ([]string, error) {
	out := []string{}
	for _, s := range stages {
		if !proc.HasStage(s) {
			return nil, apperr.Input(field, fmt.Sprintf("%s has no stage %q (stages: %v)", proc.Key, s, proc.Stages))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
