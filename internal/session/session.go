// Package session stores login sessions: opaque random tokens of 256 bits, kept only as SHA-256
// hashes, each with an expiry. Ending a session deletes its row, so a token stops working on the
// very next request.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/casegate/casegate/internal/access"
)

// Session is a row of the sessions table.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID             string      `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	TokenHash      []byte      `bun:"token_hash,notnull"`
	Kind           access.Kind `bun:"kind,notnull"`
	UserID         *string     `bun:"user_id,type:uuid"`
	SubstitutionID *string     `bun:"substitution_id,type:uuid"`
	ContactID      *string     `bun:"contact_id,type:uuid"`
	GrantID        *string     `bun:"grant_id,type:uuid"`
	// PreviewUserID is the user a preview session shows (read-only) to its owner, UserID;
	// PreviewParentID the session that started it, whose end ends it too.
	PreviewUserID   *string   `bun:"preview_user_id,type:uuid"`
	PreviewParentID *string   `bun:"preview_parent_id,type:uuid"`
	ClientAddr      string    `bun:"client_addr"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
	ExpiresAt       time.Time `bun:"expires_at,notnull"`
}

// NewToken returns a fresh random token (256 bits, URL-safe) and the hash under which it is stored.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create stores s (TokenHash, Kind, ExpiresAt and the owner set by the caller) and returns it.
func Create(ctx context.Context, db bun.IDB, s *Session) error {
	if _, err := db.NewInsert().Model(s).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Delete ends one session.
func Delete(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*Session)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// DeleteForUser ends every session of a user (logout everywhere, deactivation, blocking).
func DeleteForUser(ctx context.Context, db bun.IDB, userID string) (int64, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return res.RowsAffected()
}

// EndSubstitutionsOf switches back every session working as userID through a substitution (the
// user was deactivated or blocked): the request path already refuses such a substitution, and this
// keeps a later reactivation from resuming it unasked.
func EndSubstitutionsOf(ctx context.Context, db bun.IDB, userID string) error {
	_, err := db.NewUpdate().Model((*Session)(nil)).Set("substitution_id = NULL").
		Where("substitution_id IN (SELECT id FROM substitutions WHERE substituted_id = ?)", userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("end substitutions of user: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions past their expiry. Expiry is enforced at read time anyway; this
// only keeps the table small.
func DeleteExpired(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).Where("expires_at <= ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
