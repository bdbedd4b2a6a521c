package access

import (
	"fmt"
	"github.com/casegate/casegate/internal/apperr"
	"io"
	"strconv"
)

// Permission is a system-level permission of a user: what it may do beyond the cases it can read.
type Permission string

// The permissions a user may hold. A fresh user holds none.
const (
	PermAdmin                           Permission = "ADMIN"
	PermManageSubstitutionsOwn          Permission = "MANAGE_SUBSTITUTIONS_OWN"
	PermManageSubstitutionsSubordinates Permission = "MANAGE_SUBSTITUTIONS_SUBORDINATES"
	PermManageSubstitutionsAll          Permission = "MANAGE_SUBSTITUTIONS_ALL"
	PermGrantGuestAccess                Permission = "GRANT_GUEST_ACCESS"
	PermViewAudit                       Permission = "VIEW_AUDIT"
	// PermPreviewAs lets an employee run read-only requests as another, non-administrator
	// employee (the X-Casegate-Preview-As header; Preview decides).
	PermPreviewAs Permission = "PREVIEW_AS"
)

// AllPermissions lists every permission in declaration order.
var AllPermissions = []Permission{
	PermAdmin, PermManageSubstitutionsOwn, PermManageSubstitutionsSubordinates,
	PermManageSubstitutionsAll, PermGrantGuestAccess, PermViewAudit, PermPreviewAs,
}

// Valid reports whether p is one of AllPermissions.
func (p Permission) Valid() bool {
	for _, q := range AllPermissions {
		if p == q {
			return true
		}
	}
	return false
}

// UnmarshalGQL lets gqlgen bind the GraphQL enum Permission to this type.
func (p *Permission) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Permission(s).Valid() {
		return fmt.Errorf("%w: %v is not a valid Permission", apperr.ErrBadInput, v)
	}
	*p = Permission(s)
	return nil
}

// MarshalGQL writes the enum value.
func (p Permission) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(p))) }

// UnmarshalGQL lets gqlgen bind the GraphQL enum PrincipalKind to this type.
func (k *Kind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	switch Kind(s) {
	case KindInternal, KindExternal, KindTemporary, KindSystem:
		if ok {
			*k = Kind(s)
			return nil
		}
	}
	return fmt.Errorf("%w: %v is not a valid PrincipalKind", apperr.ErrBadInput, v)
}

// MarshalGQL writes the enum value.
func (k Kind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }
