package users

import (
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
)

// decodeUsersJSON reads what DecodeJSON reads, without reflection, when raw keeps to the JSON that
// JSONObjectSQL and json_agg write: an array (or null) of objects with only jsonUser's keys, each
// at most once and spelled exactly, strings without escapes in valid UTF-8, and null only where
// jsonUser has a pointer or a slice. Anything else, and any value encoding/json would refuse,
// answers ok false, and DecodeJSON asks encoding/json (TestDecodeUsersAgreesWithEncodingJSON).
func decodeUsersJSON(raw []byte) ([]User, bool) {
	r := database.NewJSONReader(raw)
	out := []User{}
	_, ok := r.Array(func() bool {
		u, ok := readUser(r)
		out = append(out, u)
		return ok
	})
	if !ok || !r.End() {
		return nil, false
	}
	return out, true
}

// readUser reads one object of JSONObjectSQL.
func readUser(r *database.JSONReader) (User, bool) {
	var u User
	ok := r.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "id":
			u.ID, ok = r.String()
		case "email":
			u.Email, ok = r.String()
		case "name":
			u.Name, ok = r.String()
		case "phone":
			u.Phone, ok = r.Optional()
		case "managerId":
			u.ManagerID, ok = r.Optional()
		case "status":
			var v string
			v, ok = r.String()
			u.Status = Status(v)
		case "profileExpiresOn":
			var v *string
			if v, ok = r.Optional(); ok && v != nil {
				d, err := time.Parse(time.DateOnly, *v)
				ok = err == nil
				u.ProfileExpiresOn = &d
			}
		case "passwordHash":
			u.PasswordHash, ok = r.Optional()
		case "permissions":
			u.Permissions = []access.Permission{}
			_, ok = r.Array(func() bool {
				v, ok := r.String()
				u.Permissions = append(u.Permissions, access.Permission(v))
				return ok
			})
		case "isSystem":
			u.IsSystem, ok = r.Bool()
		case "contactId":
			u.ContactID, ok = r.Optional()
		case "createdAt":
			ok = r.Time(&u.CreatedAt)
		case "updatedAt":
			ok = r.Time(&u.UpdatedAt)
		}
		return ok
	})
	if u.Permissions == nil {
		u.Permissions = []access.Permission{}
	}
	return u, ok
}
