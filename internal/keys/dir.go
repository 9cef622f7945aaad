package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
)

// Roles of the keys in a key directory.
const (
	RoleLabel = "label" // signs label envelopes
	RoleLog   = "log"   // signs transparency-log checkpoints
)

// keyFiles names the private key files of a key directory; the public key
// sits next to each with the ".pub" extension.
var keyFiles = []struct{ role, alg, file string }{
	{RoleLabel, AlgEd25519, "label-ed25519.key"},
	{RoleLabel, AlgMLDSA65, "label-mldsa65.key"},
	{RoleLog, AlgEd25519, "log-ed25519.key"},
	{RoleLog, AlgMLDSA44, "log-mldsa44.key"},
}

// identityFile holds the issuer name and the log origin of a key directory.
const identityFile = "identity.json"

// Identity names the issuer and its transparency log.
type Identity struct {
	Issuer    string    `json:"issuer"`    // shown in labels, e.g. "Acme Devices GmbH"
	LogOrigin string    `json:"logOrigin"` // C2SP checkpoint origin line and note key name
	Created   time.Time `json:"created"`
}

// Set is the content of a key directory: two label keys, two log keys and
// the identity.
type Set struct {
	Identity
	LabelEd25519 *PrivateKey
	LabelMLDSA65 *PrivateKey
	LogEd25519   *PrivateKey
	LogMLDSA44   *PrivateKey
}

func (s *Set) slot(role, alg string) **PrivateKey {
	switch {
	case role == RoleLabel && alg == AlgEd25519:
		return &s.LabelEd25519
	case role == RoleLabel && alg == AlgMLDSA65:
		return &s.LabelMLDSA65
	case role == RoleLog && alg == AlgEd25519:
		return &s.LogEd25519
	default:
		return &s.LogMLDSA44
	}
}

// GenerateSet creates a fresh key set. An empty origin derives one from the
// log's Ed25519 key ("dualmark.local/log/<id>"), which is unique per set.
func GenerateSet(issuer, origin string, rand io.Reader, now time.Time) (*Set, error) {
	if strings.TrimSpace(issuer) == "" {
		return nil, errors.New("issuer name is empty: pass --issuer with the manufacturer's name")
	}
	s := &Set{Identity: Identity{Issuer: issuer, LogOrigin: origin, Created: now.UTC().Truncate(time.Second)}}
	for _, kf := range keyFiles {
		k, err := GenerateKey(kf.alg, rand)
		if err != nil {
			return nil, err
		}
		*s.slot(kf.role, kf.alg) = k
	}
	if s.LogOrigin == "" {
		s.LogOrigin = "dualmark.local/log/" + s.LogEd25519.Public().ShortID()
	}
	if err := checkOrigin(s.LogOrigin); err != nil {
		return nil, err
	}
	return s, nil
}

// checkOrigin enforces the C2SP signed-note key-name rules on a log origin.
func checkOrigin(origin string) error {
	if origin == "" || strings.ContainsAny(origin, "+ \t\n\r") {
		return fmt.Errorf("log origin %q must be non-empty without spaces or '+' (C2SP signed-note key name)", origin)
	}
	return nil
}

// Write stores the set in dir, which must not exist yet or be empty. Private
// keys are written 0600 with O_EXCL, so an existing key is never overwritten.
func (s *Set) Write(dir string) error {
	if err := prepareKeyDir(dir); err != nil {
		return err
	}
	for _, kf := range keyFiles {
		if err := writeKeyPair(dir, kf.file, *s.slot(kf.role, kf.alg)); err != nil {
			return err
		}
	}
	return writeJSONExclusive(filepath.Join(dir, identityFile), s.Identity)
}

// prepareKeyDir creates dir (0700) unless it exists with files in it.
func prepareKeyDir(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s: directory is not empty; keys are never overwritten — choose a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating key directory: %w", err)
	}
	return nil
}

// writeKeyPair writes a private key (0600, O_EXCL) and its ".pub" file.
func writeKeyPair(dir, file string, k *PrivateKey) error {
	priv, err := k.MarshalPEM()
	if err != nil {
		return err
	}
	if err := writeExclusive(filepath.Join(dir, file), priv, 0o600); err != nil {
		return err
	}
	return writeExclusive(filepath.Join(dir, pubFile(file)), k.Public().PEM(), 0o644)
}

func writeJSONExclusive(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeExclusive(path, append(data, '\n'), 0o644)
}

func pubFile(priv string) string { return strings.TrimSuffix(priv, ".key") + ".pub" }

func writeExclusive(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w (keys are never overwritten)", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// LoadSet reads a key directory written by Write. It refuses private key
// files readable by group or others.
func LoadSet(dir string) (*Set, error) {
	s := &Set{}
	raw, err := fsread.ReadFile(filepath.Join(dir, identityFile), "key identity file", maxKeyFileBytes)
	if err != nil {
		return nil, fmt.Errorf("reading key directory: %w (create one with: dualmark keys generate --out DIR)", err)
	}
	if err := json.Unmarshal(raw, &s.Identity); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, identityFile), err)
	}
	for _, kf := range keyFiles {
		k, err := loadPrivateFile(filepath.Join(dir, kf.file), kf.alg)
		if err != nil {
			return nil, err
		}
		*s.slot(kf.role, kf.alg) = k
	}
	return s, nil
}

// loadPrivateFile reads a private key file of algorithm alg, refusing one
// readable by group or others.
func loadPrivateFile(path, alg string) (*PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading key directory: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: private key is readable by others (mode %v); run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := fsread.ReadFile(path, "private key file", maxKeyFileBytes)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivatePEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if k.Public().Alg != alg {
		return nil, fmt.Errorf("%s: holds a %s key, want %s", path, AlgorithmTitle(k.Public().Alg), AlgorithmTitle(alg))
	}
	return k, nil
}

// PublicKeys lists the set's public keys with their roles, in a fixed order.
func (s *Set) PublicKeys() []RoleKey {
	out := make([]RoleKey, 0, len(keyFiles))
	for _, kf := range keyFiles {
		out = append(out, RoleKey{Role: kf.role, Key: (*s.slot(kf.role, kf.alg)).Public()})
	}
	return out
}

// RoleKey is a public key with the role it plays.
type RoleKey struct {
	Role string
	Key  *PublicKey
}

// Fingerprint returns a short hex digest over all public keys of the set,
// for display.
func (s *Set) Fingerprint() string {
	h := sha256.New()
	for _, rk := range s.PublicKeys() {
		h.Write(rk.Key.SPKI())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
