package access

// CommentAudience is which comments a principal reads, and how what it writes is marked (SPEC §5).
type CommentAudience int

// Comment audiences.
const (
	// AllComments: employees (and the system user) read every comment and choose visibleToExternal.
	AllComments CommentAudience = iota
	// ExternalComments: guests read only comments visible to external principals, and what they
	// write is visible to them.
	ExternalComments
	// NoComments: nothing (a temporary-access session until its grant can allow COMMENTS, and any
	// kind of principal not known here: unknown means deny).
	NoComments
)

// CommentsFor decides which comments p reads. A TEMPORARY principal may see comments only when its
// grant allows COMMENTS; grants do not carry their allowed actions yet, so it sees none.
func CommentsFor(p *Principal) CommentAudience {
	if p == nil {
		return NoComments
	}
	switch p.Kind {
	case KindInternal, KindSystem:
		return AllComments
	case KindExternal:
		return ExternalComments
	}
	return NoComments
}
