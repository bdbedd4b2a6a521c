package access

import (
	"slices"
	"time"
)

// Kind is the kind of principal a request runs as.
type Kind string

// Principal kinds: who may be behind a request.
const (
	KindInternal  Kind = "INTERNAL"  // an employee
	KindExternal  Kind = "EXTERNAL"  // a contact with guest access
	KindTemporary Kind = "TEMPORARY" // a temporary-access session for one case
	KindSystem    Kind = "SYSTEM"    // the built-in system user, for jobs and bootstrap
)

// SystemUserID is the id of the built-in system user created by the first migration.
const SystemUserID = "00000000-0000-0000-0000-000000000001"

// ClientDataGroupID is the id of the built-in client-data group created by the first migration.
const ClientDataGroupID = "00000000-0000-0000-0000-000000000002"

// PositionRight is a right to a node of the organisation tree. Path is the node's id chain
// ("/root/…/id/"); with IncludeSubtree the right covers every node below it as well.
type PositionRight struct {
	PositionID     string
	Path           string
	IncludeSubtree bool
}

// Covers reports whether the right reaches the position whose path is positionPath.
func (r PositionRight) Covers(positionPath string) bool {
	if r.Path == positionPath {
		return true
	}
	return r.IncludeSubtree && len(positionPath) > len(r.Path) && positionPath[:len(r.Path)] == r.Path
}

// Principal is who a request runs as, built once per request. Groups, permissions and position
// rights are always those of the effective user, never the native user's added.
type Principal struct {
	Kind           Kind
	UserID         string // effective user: whose permissions apply
	NativeUserID   string // who is really logged in; equals UserID unless substituting
	SubstitutionID string // the substitution being worked in, if any
	SessionID      string
	ContactID      string // EXTERNAL: the contact; TEMPORARY: none
	CompanyID      string // EXTERNAL: the contact's company
	// CompanyCases (EXTERNAL): the setting guestsSeeCompanyCases is on, so the guest also reads
	// every case whose client is its contact's company (the COMPANY rule). Loaded with the principal.
	CompanyCases   bool
	GrantID        string // TEMPORARY: the temporary-access grant
	Groups         []string
	Permissions    []Permission
	PositionRights []PositionRight
	ClientGrants   []string         // clients whose data the effective user may see (grantClientAccess)
	Temporary      *TemporaryAccess // TEMPORARY: the grant's case, stages, window and parts

	// SessionExpiresAt is when the session ends (zero without a session), loaded with the principal.
	SessionExpiresAt time.Time
	// At is the request's time, when the principal was built: decisions that depend on time (a
	// temporary grant's window) are made against it, so access needs no clock of its own.
	At time.Time
	// PreviewBy is the user who previews this principal (X-Casegate-Preview-As): the request runs as
	// the principal's user, read-only (MayWrite). Empty for every other request.
	PreviewBy string
	// PreviewOf is set on the principal of a preview session's token (startPreview) before the
	// request is swapped: the principal is the one previewing, as themselves, and PreviewOf the user
	// the session shows. Every operation of such a session runs as that user (PreviewBy), but the
	// ones that end it (PreviewRuns); meanwhile nothing writes with it (MayWrite).
	PreviewOf string
	// SettingsVersion is the version of the procedures' settings and grants, read by the principal
	// query in the same statement (0: not read). Settings compiled at this version or later are in
	// force for the request; nothing here decides with it.
	SettingsVersion int64
}

// System is the principal of the built-in system user, used by jobs and bootstrap.
func System() *Principal {
	return &Principal{Kind: KindSystem, UserID: SystemUserID, NativeUserID: SystemUserID}
}

// Substituting reports whether the principal works with another user's permissions.
func (p *Principal) Substituting() bool {
	return p != nil && p.SubstitutionID != "" && p.NativeUserID != p.UserID
}

// HasPermission reports whether the effective user holds perm itself (ADMIN is not implied here).
func (p *Principal) HasPermission(perm Permission) bool {
	return p != nil && slices.Contains(p.Permissions, perm)
}

// InGroup reports whether the effective user is a member of the group.
func (p *Principal) InGroup(groupID string) bool {
	return p != nil && slices.Contains(p.Groups, groupID)
}
