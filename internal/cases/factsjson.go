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
		*dest = nil
		present, ok := r.Array(func() bool {
			v, ok := r.String()
			*dest = append(*dest, v)
			return ok
		})
		if present && *dest == nil {
			*dest = []string{}
		}
		return ok
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
			f.ACL = nil
			present, ok := r.Array(func() bool {
				var e ACLEntry
				ok := r.Object(func(key []byte) bool {
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
						switch {
						case r.Literal("true"):
							e.AllDocuments, ok = true, true
						case r.Literal("false"):
							e.AllDocuments, ok = false, true
						}
					}
					return ok
				})
				f.ACL = append(f.ACL, e)
				return ok
			})
			if present && f.ACL == nil {
				f.ACL = []ACLEntry{}
			}
			return ok
		case "participants":
			f.Participants = nil
			present, ok := r.Array(func() bool {
				var e ParticipantEntry
				ok := r.Object(func(key []byte) bool {
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
				f.Participants = append(f.Participants, e)
				return ok
			})
			if present && f.Participants == nil {
				f.Participants = []ParticipantEntry{}
			}
			return ok
		case "overrides":
			f.Overrides = nil
			present, ok := r.Array(func() bool {
				var e overrideEntry
				ok := r.Object(func(key []byte) bool {
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
				f.Overrides = append(f.Overrides, e)
				return ok
			})
			if present && f.Overrides == nil {
				f.Overrides = []overrideEntry{}
			}
			return ok
		}
		return false
	})
	return f, ok && r.End()
}
