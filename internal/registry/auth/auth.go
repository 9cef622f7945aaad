// Package auth holds the registry's secrets handling: argon2id password
// hashes in the PHC string format, and API tokens — 256 random bits shown to
// their owner once, of which only the SHA-256 is stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, t=3,
// p=4), the choice for memory-constrained servers.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 4}

// MaxPasswordBytes bounds the password length hashed (longer is refused).
const MaxPasswordBytes = 1024

// ErrMismatch says a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// HashPassword returns the argon2id PHC string of password with a fresh
// 16-byte salt: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(password string, p Params) (string, error) {
	if password == "" || len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("password must be 1 to %d bytes", MaxPasswordBytes)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares a password with a PHC string in constant time. It
// returns ErrMismatch for a wrong password and another error for a hash it
// cannot read.
func CheckPassword(password, phc string) error {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return fmt.Errorf("password hash: unsupported version %q", parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("password hash: parameters %q: %v", parts[3], err)
	}
	if p.Memory == 0 || p.Memory > 1<<21 || p.Time == 0 || p.Time > 100 || p.Threads == 0 {
		return fmt.Errorf("password hash: parameters %q out of range", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("password hash: salt: %v", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return errors.New("password hash: bad key")
	}
	if len(password) > MaxPasswordBytes {
		return ErrMismatch
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// TokenPrefix starts every API token, so leaked tokens are easy to find.
const TokenPrefix = "dmr_"

// NewToken returns a fresh API token (TokenPrefix + 43 base64url characters
// encoding 256 random bits) and the hash to store.
func NewToken() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token: the hex SHA-256 of it. A
// fast hash is right here: the secret has 256 bits of entropy.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ValidTokenSyntax reports whether s looks like a token NewToken made, so
// that garbage is refused before a database lookup.
func ValidTokenSyntax(s string) bool {
	if !strings.HasPrefix(s, TokenPrefix) || len(s) != len(TokenPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil
}
