package cases

import (
	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
)

// decodeFactsJSON reads the facts column as the triggers write it (jsonb_build_object), without
// reflection: only storedFacts' keys (and people, skipped) and its entries' keys, each once, strings without escapes,
// levels as small integers and modes by name. Anything else answers ok false, and decode leaves
// the column to encoding/json, which it agrees with (TestFactsDecodeAgreesWithEncodingJSON).
func decodeFactsJSON(raw []byte) (storedFacts, bool) {
	var f storedFacts
	r := database.NewJSONReader(raw)
	strings := func(dest *[]string) bool {
		return list(r, dest, func(v *string) (ok bool) {
			*v, ok = r.String()
			return ok
		})
	}
	ok := r.Object(func(key []byte) bool {
		switch string(key) {
		case "assignees":
			return strings(&f.Assignees)
		case "pastAssignees":
			return strings(&f.PastAssignees)
		case "people": // the ids of the users the case names, for the statements' joins; not decoded
			_, ok := r.Array(func() bool {
				_, ok := r.Quoted()
				return ok
			})
			return ok
		case "acl":
			return list(r, &f.ACL, func(e *ACLEntry) bool {
				return r.Object(func(key []byte) bool {
					var ok bool
					switch string(key) {
					case "userId":
						e.UserID, ok = r.Optional()
					case "groupId":
						e.GroupID, ok = r.Optional()
					case "contactId":
						e.ContactID, ok = r.Optional()
					case "level":
						var n uint8
						n, ok = r.Uint8()
						e.Level = access.Right(n)
					case "allDocuments":
						e.AllDocuments, ok = r.Bool()
					}
					return ok
				})
			})
		case "participants":
			return list(r, &f.Participants, func(e *ParticipantEntry) bool {
				return r.Object(func(key []byte) bool {
					var ok bool
					switch string(key) {
					case "userId":
						e.UserID, ok = r.Optional()
					case "contactId":
						e.ContactID, ok = r.Optional()
					case "role":
						var v string
						v, ok = r.String()
						e.Role = Role(v)
					}
					return ok
				})
			})
		case "overrides":
			return list(r, &f.Overrides, func(e *overrideEntry) bool {
				return r.Object(func(key []byte) bool {
					switch string(key) {
					case "target":
						var ok bool
						e.Target, ok = r.String()
						return ok
					case "mode":
						q, ok := r.Quoted()
						return ok && e.Mode.UnmarshalText(q[1:len(q)-1]) == nil
					}
					return false
				})
			})
		}
		return false
	})
	return f, ok && r.End()
}

// list reads an array into *dest, one element by elem. A present empty array stays empty, not nil,
// as encoding/json leaves it.
func list[T any](r *database.JSONReader, dest *[]T, elem func(*T) bool) bool {
	*dest = nil
	present, ok := r.Array(func() bool {
		var e T
		ok := elem(&e)
		*dest = append(*dest, e)
		return ok
	})
	if present && *dest == nil {
		*dest = []T{}
	}
	return ok
}
