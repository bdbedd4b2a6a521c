package access

// CommentAudience is which comments a principal reads, and how what it writes is marked.
type CommentAudience int

// Comment audiences.
const (
	// AllComments: employees (and the system user) read every comment and choose visibleToExternal.
	AllComments CommentAudience = iota
	// ExternalComments: guests read only comments visible to external principals, and what they
	// write is visible to them.
	ExternalComments
	// NoComments: nothing (a temporary-access session whose grant does not open COMMENTS, and any
	// kind of principal not known here: unknown means deny).
	NoComments
)

// CommentsFor decides which comments p reads. A TEMPORARY principal reads (and writes) the
// comments visible to external principals when its grant opens COMMENTS, and none otherwise.
func CommentsFor(p *Principal) CommentAudience {
	if p == nil {
		return NoComments
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return AllComments
	case KindExternal:
		return ExternalComments
	case KindTemporary:
		if CasePart(p, PartComments) {
			return ExternalComments
		}
	}
	return NoComments
}
