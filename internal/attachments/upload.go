package attachments

import (
	"hash"
	"io"
)

// sniffBytes is how much of an upload http.DetectContentType looks at.
const sniffBytes = 512

// upload is a file on its way into the store: it counts and hashes what is read from it, and fails
// the read that takes it over the limit, so a file that announced less than it sends (or nothing)
// is refused without ever being held whole.
type upload struct {
	r        io.Reader
	head     []byte // the first sniffBytes (fewer for a smaller file), for the content type
	limit, n int64
	tooLarge error
	hash     hash.Hash
}

func (u *upload) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.n += int64(n)
	if u.n > u.limit {
		return 0, u.tooLarge
	}
	u.hash.Write(p[:n])
	return n, err
}
