package graph

import (
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/attachments"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/comments"
	"github.com/casegate/casegate/internal/devoutbox"
	"github.com/casegate/casegate/internal/documents"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/guests"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/positions"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/substitution"
	"github.com/casegate/casegate/internal/tempaccess"
	"github.com/casegate/casegate/internal/users"
)

// Resolver holds the services the resolvers call; internal/app constructs it.
type Resolver struct {
	DB                  *bun.DB
	AuthService         *auth.Service
	UserService         *users.Service
	GroupService        *groups.Service
	PositionService     *positions.Service
	SettingsService     *settings.Service
	CaseService         *cases.Service
	FormService         *forms.Service
	ClientService       *clients.Service
	DocumentService     *documents.Service
	AttachmentService   *attachments.Service
	CommentService      *comments.Service
	TempAccessService   *tempaccess.Service
	SubstitutionService *substitution.Service
	OutboxAdmin         *outbox.Admin
	GuestService        *guests.Service
	DevOutboxService    *devoutbox.Service
}
