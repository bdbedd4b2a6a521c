package scalar

import (
	"slices"
	"strings"
	"sync"

	"github.com/casegate/casegate/internal/procedures"
)

// Bounds, in characters, of the String and ID values a client sends: the one place they are
// chosen (docs/decisions.md says why). The services keep their own, smaller domain bounds (a
// comment's 10,000 characters, a form value's 20,000); these make sure nothing bigger reaches them.
const (
	// MaxString bounds every value not named below: names, titles, searches, passwords, tokens,
	// ids. 500 characters are at most 2,000 bytes of UTF-8, under PostgreSQL's limit on an index
	// entry (about 2,700 bytes), so a name that is indexed is always stored.
	MaxString = 500
	// MaxEmail bounds every e-mail address: 64 characters before the @ and 255 after it (RFC 5321).
	MaxEmail = 320
	// MaxText bounds long texts: comments, document bodies, invitation mails, every value of a
	// procedure's form, and cursors (which carry a name, escaped).
	MaxText = 100_000
	// MaxFile bounds a file's content sent as an argument (an imported settings file): 1 MiB, the
	// service's own bound, which names the limit when it is passed.
	MaxFile = 1 << 20
)

// files are the arguments that carry a whole file, as "field.argument".
var files = []string{
	"importAccessSettings.content",
}

// longTexts are the long-text arguments outside procedure forms, as "field.argument.inputField".
var longTexts = []string{
	"addComment.text",
	"createDocument.input.body",
	"updateDocument.input.body",
	"grantTemporaryAccess.input.mailBody",
}

// formInputs are the input types of procedure forms (formgen names them <TypeName>Input).
var formInputs = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, p := range procedures.Registry.All() {
		m[p.TypeName+"Input"] = true
	}
	return m
})

// bound is the most characters the argument may have.
func (a argument) bound() int {
	switch {
	case a.field != nil && slices.Contains(files, a.field.Field.Name+"."+strings.Join(a.path, ".")):
		return MaxFile
	case a.name() == "email":
		return MaxEmail
	case len(a.path) == 1 && a.path[0] == "after", a.inForm():
		return MaxText
	case a.field != nil && slices.Contains(longTexts, a.field.Field.Name+"."+strings.Join(a.path, ".")):
		return MaxText
	}
	return MaxString
}

// inForm reports whether the argument is a value of a procedure's form.
func (a argument) inForm() bool {
	if a.field == nil || a.field.Field.Definition == nil || len(a.path) == 0 {
		return false
	}
	arg := a.field.Field.Definition.Arguments.ForName(a.path[0])
	return arg != nil && formInputs()[arg.Type.Name()]
}
