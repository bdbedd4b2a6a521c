package auth

import (
	"database/sql"
	"encoding/json"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/database"
)

// principalRaw is the principal query's columns as database/sql scans them, in principalSQL's
// order: the bytes of the driver's text values, not copied, read before the row moves on.
type principalRaw struct {
	sessionID, kind                                   sql.RawBytes
	expiresAt                                         sql.NullTime
	nativeUserID, substitutionID, userID              sql.RawBytes
	permissions, groups, positionRights, clientGrants sql.RawBytes
	contactID, companyID, temporary                   sql.RawBytes
	companyCases                                      sql.NullBool
	settings                                          sql.NullInt64
	previewOf                                         sql.RawBytes
}

func (r *principalRaw) dest() []any {
	return []any{&r.sessionID, &r.kind, &r.expiresAt, &r.nativeUserID, &r.substitutionID, &r.userID,
		&r.permissions, &r.groups, &r.positionRights, &r.clientGrants, &r.contactID, &r.companyID,
		&r.temporary, &r.companyCases, &r.settings, &r.previewOf}
}

// row is the principalRow bun would have scanned; its JSON columns still point into the driver's
// buffer, so it is decoded (principal) before the row moves on.
func (r *principalRaw) row() (*principalRow, error) {
	out := &principalRow{SessionID: string(r.sessionID), Kind: access.Kind(r.kind), ExpiresAt: r.expiresAt.Time,
		NativeUserID: string(r.nativeUserID), SubstitutionID: string(r.substitutionID), UserID: string(r.userID),
		ContactID: string(r.contactID), CompanyID: string(r.companyID), CompanyCases: r.companyCases.Bool,
		Settings: r.settings.Int64, PreviewOf: string(r.previewOf), PositionRights: json.RawMessage(r.positionRights), Temporary: json.RawMessage(r.temporary)}
	for _, a := range []struct {
		raw sql.RawBytes
		to  *[]string
	}{{r.permissions, &out.Permissions}, {r.groups, &out.Groups}, {r.clientGrants, &out.ClientGrants}} {
		if err := database.TextArray(a.raw, a.to); err != nil {
			return nil, err
		}
	}
	return out, nil
}
