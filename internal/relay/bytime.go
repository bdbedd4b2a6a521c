package relay

import (
	"time"

	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/database"
)

// TimeID is the position of a row in a list ordered by creation time, then id (a uuid): cases,
// documents, comments.
type TimeID struct {
	At time.Time
	ID string
}

// TimeIDCursor validates first and decodes the after cursor of a (created_at, id) list; a cursor
// whose id is not a uuid is not a cursor of such a list.
func (a Args) TimeIDCursor() (limit int, after *TimeID, err error) {
	limit, err = a.Limit()
	if err != nil {
		return 0, nil, err
	}
	var k TimeID
	ok, err := a.Keys(&k.At, &k.ID)
	if err != nil || !ok {
		return limit, nil, err
	}
	if !database.ValidUUID(k.ID) {
		return 0, nil, apperr.Input("after", "not a cursor of this list")
	}
	return limit, &k, nil
}
