// Package password hashes and checks passwords with argon2id (PHC string format) and holds the
// password policy, so every place that sets a password applies the same rules.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/casegate/casegate/internal/apperr"
)

// Params are argon2id's cost parameters. Default follows OWASP's recommendation (19 MiB, t=2, p=1).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is the production cost.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinLength is the shortest password accepted.
const MinLength = 10

var errMalformed = errors.New("malformed password hash")

// Hash returns the PHC-encoded argon2id hash of pw with a fresh 16-byte salt.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether pw matches the encoded hash, in constant time for a given hash.
func Verify(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errMalformed
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errMalformed
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, errMalformed
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Check applies the password policy: at least MinLength characters, with letters and at least one
// digit or symbol. The error names field so the client can point at the input.
func Check(field, pw string) error {
	if len([]rune(pw)) < MinLength {
		return apperr.Input(field, fmt.Sprintf("password must have at least %d characters", MinLength))
	}
	var letter, other bool
	for _, r := range pw {
		if unicode.IsLetter(r) {
			letter = true
		} else if !unicode.IsSpace(r) {
			other = true
		}
	}
	if !letter || !other {
		return apperr.Input(field, "password must mix letters with digits or symbols")
	}
	return nil
}
