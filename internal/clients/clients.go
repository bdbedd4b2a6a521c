// Package clients stores counterparties (Planfix kontrahenci): companies and their contacts, the
// projects that name a counterparty, and per-client data grants (grantClientAccess).
package clients

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/audit"
	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/relay"
	"github.com/casegate/casegate/internal/users"
)

// Kind tells a company from a contact.
type Kind string

// Client kinds.
const (
	Company Kind = "COMPANY"
	Contact Kind = "CONTACT"
)

// Client is a company or a contact (a contact may belong to a company).
type Client struct {
	bun.BaseModel `bun:"table:clients,alias:cl"`

	ID        string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Kind      Kind      `bun:"kind,notnull"`
	Name      string    `bun:"name,notnull"`
	Email     *string   `bun:"email"`
	Phone     *string   `bun:"phone"`
	CompanyID *string   `bun:"company_id,type:uuid"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	// OfViewer marks the contact loaded as the viewer's own (a guest's, in its login or activation
	// answer, which the request's principal, anonymous, does not name yet).
	OfViewer bool `bun:"-"`
}

// Project groups cases and names a counterparty company.
type Project struct {
	bun.BaseModel `bun:"table:projects,alias:pj"`

	ID             string    `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	Name           string    `bun:"name,notnull"`
	CounterpartyID *string   `bun:"counterparty_id,type:uuid"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Service manages clients, projects and client grants.
type Service struct {
	DB    *bun.DB
	Clock clockwork.Clock
	// Accounts keeps a contact's guest account in step with the contact (its login is the
	// contact's e-mail); nil when there are none to keep.
	Accounts AccountKeeper
}

// AccountKeeper follows a contact's changes on its guest account, inside the change's transaction.
type AccountKeeper interface {
	ContactChanged(ctx context.Context, tx bun.Tx, p *access.Principal, c *Client) error
}

// ContactInput is a new contact.
type ContactInput struct {
	Name      string
	Email     *string
	Phone     *string
	CompanyID *string
}

// CreateCompany adds a company. Employees may.
func (s *Service) CreateCompany(ctx context.Context, p *access.Principal, name string) (*Client, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	name, err := users.NormalizeName("name", name)
	if err != nil {
		return nil, err
	}
	c := &Client{Kind: Company, Name: name, CreatedAt: s.Clock.Now()}
	return c, s.insert(ctx, p, c, "client.company.create")
}

// CreateContact adds a contact, optionally of a company. Employees may.
func (s *Service) CreateContact(ctx context.Context, p *access.Principal, in ContactInput) (*Client, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	name, err := users.NormalizeName("name", in.Name)
	if err != nil {
		return nil, err
	}
	c := &Client{Kind: Contact, Name: name, CompanyID: in.CompanyID, CreatedAt: s.Clock.Now()}
	if in.Email != nil && strings.TrimSpace(*in.Email) != "" {
		e, err := users.NormalizeEmail("email", *in.Email)
		if err != nil {
			return nil, err
		}
		c.Email = &e
	}
	if c.Phone, err = users.NormalizePhone("phone", in.Phone); err != nil {
		return nil, err
	}
	if in.CompanyID != nil {
		if _, err := Find(ctx, s.DB, *in.CompanyID, Company); err != nil {
			return nil, apperr.Input("companyId", "no such company")
		}
	}
	return c, s.insert(ctx, p, c, "client.contact.create")
}

// ContactUpdate changes the fields that are set; nil leaves a field as it is. An empty e-mail or
// phone clears it.
type ContactUpdate struct {
	Name, Email, Phone *string
}

// UpdateContact changes a contact. Needs ADMIN or GRANT_GUEST_ACCESS: the contact's e-mail is its
// guest account's login, so changing it changes who can log in as the guest; the account follows
// in the same transaction (see AccountKeeper).
func (s *Service) UpdateContact(ctx context.Context, p *access.Principal, id string, in ContactUpdate) (*Client, error) {
	if err := access.GrantGuestAccess(p).Err(); err != nil {
		return nil, err
	}
	if in.Name == nil && in.Email == nil && in.Phone == nil {
		return nil, apperr.Input("input", "names no field to change")
	}
	var out *Client
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := LockContact(ctx, tx, id, "id")
		if err != nil {
			return err
		}
		var changed []string
		if in.Name != nil {
			if c.Name, err = users.NormalizeName("name", *in.Name); err != nil {
				return err
			}
			changed = append(changed, "name")
		}
		if in.Email != nil {
			c.Email = nil
			if strings.TrimSpace(*in.Email) != "" {
				e, err := users.NormalizeEmail("email", *in.Email)
				if err != nil {
					return err
				}
				c.Email = &e
			}
			changed = append(changed, "email")
		}
		if in.Phone != nil {
			if c.Phone, err = users.NormalizePhone("phone", in.Phone); err != nil {
				return err
			}
			changed = append(changed, "phone")
		}
		if _, err := tx.NewUpdate().Model(c).Column("name", "email", "phone").WherePK().Exec(ctx); err != nil {
			return err
		}
		if s.Accounts != nil {
			if err := s.Accounts.ContactChanged(ctx, tx, p, c); err != nil {
				return err
			}
		}
		out = c
		return audit.Append(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: "client.contact.update", Entity: "client", EntityID: c.ID, ChangedFields: changed})
	})
	return out, err
}

// LockContact loads a contact for a change inside tx and locks its row, so that changes to it and
// to its guest account are serialised. An unknown id is NOT_FOUND; a company, which has no guest
// account, is refused naming field.
func LockContact(ctx context.Context, tx bun.IDB, id, field string) (*Client, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("client")
	}
	c := new(Client)
	if err := tx.NewSelect().Model(c).Where("id = ?", id).For("UPDATE").Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("client")
	} else if err != nil {
		return nil, err
	}
	if c.Kind != Contact {
		return nil, apperr.Input(field, "is a company, not a contact")
	}
	return c, nil
}

func (s *Service) insert(ctx context.Context, p *access.Principal, c *Client, action string) error {
	return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, c.CreatedAt, audit.Entry{Action: action, Entity: "client", EntityID: c.ID,
			ChangedFields: []string{"name", "email", "phone", "companyId"}})
	})
}

// Find loads a client of a kind ("" for either).
func Find(ctx context.Context, db bun.IDB, id string, kind Kind) (*Client, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("client")
	}
	c := new(Client)
	q := db.NewSelect().Model(c).Where("id = ?", id)
	if kind != "" {
		q.Where("kind = ?", kind)
	}
	if err := q.Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("client")
	} else if err != nil {
		return nil, err
	}
	return c, nil
}

// Get returns a client for an employee.
func (s *Service) Get(ctx context.Context, p *access.Principal, id string) (*Client, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	return Find(ctx, s.DB, id, "")
}

// Grant is a user's grant of one client's data.
type Grant struct {
	ClientID string
	UserID   string
}

// GrantAccess gives a user every case and document of one client (the client's card setting
// "dostęp do wszystkich danych powiązanych z klientem"). Needs ADMIN.
func (s *Service) GrantAccess(ctx context.Context, p *access.Principal, clientID, userID string) (*Grant, error) {
	if err := access.GrantTo(p, userID).Err(); err != nil {
		return nil, err
	}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := Find(ctx, tx, clientID, ""); err != nil {
			return err
		}
		if u, err := users.Find(ctx, tx, userID); errors.Is(err, apperr.ErrNotFound) || err == nil && (u.IsSystem || u.IsGuest()) {
			return apperr.Input("userId", "no such user")
		} else if err != nil {
			return err
		}
		if _, err := tx.NewRaw(`INSERT INTO client_grants (client_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, clientID, userID).Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: "client.grant", Entity: "client", EntityID: clientID, ChangedFields: []string{"grants:" + userID}})
	})
	if err != nil {
		return nil, err
	}
	return &Grant{ClientID: clientID, UserID: userID}, nil
}

// CreateProject adds a project, optionally naming a counterparty company. Employees may.
func (s *Service) CreateProject(ctx context.Context, p *access.Principal, name string, counterpartyID *string) (*Project, error) {
	if err := access.Internal(p).Err(); err != nil {
		return nil, err
	}
	name, err := users.NormalizeName("name", name)
	if err != nil {
		return nil, err
	}
	pr := &Project{Name: name, CounterpartyID: counterpartyID, CreatedAt: s.Clock.Now()}
	err = s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if counterpartyID != nil {
			if _, err := Find(ctx, tx, *counterpartyID, Company); err != nil {
				return apperr.Input("counterpartyId", "no such company")
			}
		}
		if _, err := tx.NewInsert().Model(pr).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, pr.CreatedAt, audit.Entry{Action: "project.create", Entity: "project", EntityID: pr.ID, ChangedFields: []string{"name", "counterpartyId"}})
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// FindProject loads a project.
func FindProject(ctx context.Context, db bun.IDB, id string) (*Project, error) {
	if !database.ValidUUID(id) {
		return nil, apperr.NotFound("project")
	}
	pr := new(Project)
	if err := db.NewSelect().Model(pr).Where("id = ?", id).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("project")
	} else if err != nil {
		return nil, err
	}
	return pr, nil
}

// RevokeAccess takes a user's grant of one client's data away (idempotent). Needs ADMIN.
func (s *Service) RevokeAccess(ctx context.Context, p *access.Principal, clientID, userID string) (*Grant, error) {
	if err := access.Administer(p).Err(); err != nil {
		return nil, err
	}
	if !database.ValidUUID(clientID) || !database.ValidUUID(userID) {
		return nil, apperr.NotFound("client grant")
	}
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`DELETE FROM client_grants WHERE client_id = ? AND user_id = ?`, clientID, userID).Exec(ctx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: "client.revoke", Entity: "client", EntityID: clientID, ChangedFields: []string{"grants:" + userID}})
	})
	if err != nil {
		return nil, err
	}
	return &Grant{ClientID: clientID, UserID: userID}, nil
}

// Projects lists the projects p may see, newest first, by one SQL query whose predicate is the
// project rule (access.VisibleProjects). A temporary-access person may not list them (FORBIDDEN).
func (s *Service) Projects(ctx context.Context, p *access.Principal, page relay.Args) (relay.Page[*Project], error) {
	if err := access.ListProjects(p).Err(); err != nil {
		return relay.Page[*Project]{}, err
	}
	limit, after, err := page.TimeIDCursor()
	if err != nil {
		return relay.Page[*Project]{}, err
	}
	var rows []*Project
	q := s.DB.NewSelect().Model(&rows).Apply(access.VisibleProjects(p)).OrderExpr("pj.created_at DESC, pj.id DESC").Limit(int64(limit) + 1)
	if after != nil {
		q.Where("(pj.created_at, pj.id) < (?, ?::uuid)", after.At, after.ID)
	}
	if err := q.Scan(ctx); err != nil {
		return relay.Page[*Project]{}, err
	}
	return relay.NewPage(rows, limit, func(pr *Project) []any { return []any{pr.CreatedAt, pr.ID} }), nil
}
