package keys

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
)

// Trust-file format versions. Version 2 is written when the file carries a
// witness policy, so that a dualmark that predates witnesses refuses the file
// instead of silently ignoring the policy (failing closed, not open).
const (
	TrustVersion          = 1
	TrustVersionWitnessed = 2
)

// Trust is a trust file: the keys a verifier accepts, each with its role,
// validity period and revocation. Rotation adds the new keys and closes the
// validity period of the old ones, so labels issued while an old key was
// valid keep verifying.
type Trust struct {
	Version int          `json:"version"`
	Keys    []TrustedKey `json:"keys"`
	// Witnesses are the cosigners whose checkpoint cosignatures count, and
	// WitnessPolicy how many of them a checkpoint needs (see witness.go).
	Witnesses     []TrustedWitness `json:"witnesses,omitempty"`
	WitnessPolicy *WitnessPolicy   `json:"witnessPolicy,omitempty"`
}

// TrustedKey is one accepted key.
type TrustedKey struct {
	KeyID      string      `json:"keyid"`
	Role       string      `json:"role"`             // RoleLabel or RoleLog
	Algorithm  string      `json:"algorithm"`        // AlgEd25519, AlgMLDSA65, AlgMLDSA44
	Issuer     string      `json:"issuer,omitempty"` // issuer name of the key directory
	Origin     string      `json:"origin,omitempty"` // log origin, for RoleLog keys
	PublicKey  string      `json:"publicKey"`        // SPKI PEM
	ValidFrom  time.Time   `json:"validFrom"`
	ValidUntil *time.Time  `json:"validUntil,omitempty"`
	Revoked    *Revocation `json:"revoked,omitempty"`

	pub *PublicKey
}

// Revocation records that a key must no longer be trusted at all.
type Revocation struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Public returns the parsed public key (after LoadTrust or AddSet).
func (k *TrustedKey) Public() *PublicKey { return k.pub }

// CheckAt returns nil when the key may be relied on for a signature made at
// time t, and otherwise an error that names the key and says why not.
// A revoked key is never relied on, whatever t is: a revocation means the
// private key may be in someone else's hands, and they can choose t.
func (k *TrustedKey) CheckAt(t time.Time) error {
	name := func() string { return fmt.Sprintf("%s key %s", AlgorithmTitle(k.Algorithm), k.KeyID[:16]) }
	switch {
	case k.Revoked != nil:
		return fmt.Errorf("%s was revoked on %s: %s", name(), k.Revoked.At.UTC().Format(time.RFC3339), k.Revoked.Reason)
	case t.Before(k.ValidFrom):
		return fmt.Errorf("%s is valid only from %s, but signed at %s", name(), k.ValidFrom.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	case k.ValidUntil != nil && t.After(*k.ValidUntil):
		return fmt.Errorf("%s expired on %s, but signed at %s", name(), k.ValidUntil.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

// LoadTrust reads and checks a trust file: every public key must parse and
// match its key ID and algorithm.
func LoadTrust(path string) (*Trust, error) {
	data, err := fsread.ReadFile(path, "trust file", MaxTrustBytes)
	if err != nil {
		return nil, fmt.Errorf("reading trust file: %w", err)
	}
	return ParseTrust(data, path)
}

// ParseTrust decodes trust-file bytes; name is used in errors.
func ParseTrust(data []byte, name string) (*Trust, error) {
	var t Trust
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: not a trust file: %v", name, err)
	}
	if t.Version != TrustVersion && t.Version != TrustVersionWitnessed {
		return nil, fmt.Errorf("%s: /version is %d, want %d or %d", name, t.Version, TrustVersion, TrustVersionWitnessed)
	}
	if t.WitnessPolicy != nil && t.Version != TrustVersionWitnessed {
		return nil, fmt.Errorf("%s: /version must be %d when /witnessPolicy is set (older dualmark versions would ignore the policy)", name, TrustVersionWitnessed)
	}
	if err := t.checkWitnesses(name); err != nil {
		return nil, err
	}
	for i := range t.Keys {
		k := &t.Keys[i]
		pub, err := ParsePublicPEM([]byte(k.PublicKey))
		if err != nil {
			return nil, fmt.Errorf("%s: /keys/%d/publicKey: %v", name, i, err)
		}
		if pub.ID() != k.KeyID {
			return nil, fmt.Errorf("%s: /keys/%d/keyid %q does not match its public key (%s)", name, i, k.KeyID, pub.ID())
		}
		if pub.Alg != k.Algorithm {
			return nil, fmt.Errorf("%s: /keys/%d/algorithm %q but the public key is %s", name, i, k.Algorithm, pub.Alg)
		}
		if k.Role != RoleLabel && k.Role != RoleLog {
			return nil, fmt.Errorf("%s: /keys/%d/role %q: want %q or %q", name, i, k.Role, RoleLabel, RoleLog)
		}
		if k.Role == RoleLog && k.Origin == "" {
			return nil, fmt.Errorf("%s: /keys/%d/origin is empty: log keys need the log origin", name, i)
		}
		k.pub = pub
	}
	return &t, nil
}

// Save writes the trust file atomically (temporary file + rename).
func (t *Trust) Save(path string) error {
	t.Version = TrustVersion
	if t.WitnessPolicy != nil {
		t.Version = TrustVersionWitnessed
	}
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	// the temporary files of a process killed before its rename
	_, _ = fsread.RemoveStale(filepath.Dir(path), ".trust-*.json", time.Minute)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".trust-*.json")
	if err != nil {
		return fmt.Errorf("writing trust file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing trust file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Key returns the trusted key with the given ID.
func (t *Trust) Key(id string) (*TrustedKey, bool) {
	for i := range t.Keys {
		if t.Keys[i].KeyID == id {
			return &t.Keys[i], true
		}
	}
	return nil, false
}

// LogKeys returns the trusted log keys of a log origin.
func (t *Trust) LogKeys(origin string) []*TrustedKey {
	var out []*TrustedKey
	for i := range t.Keys {
		if t.Keys[i].Role == RoleLog && t.Keys[i].Origin == origin {
			out = append(out, &t.Keys[i])
		}
	}
	return out
}

// AddSet adds the public keys of a key set, valid from `from`. With
// supersede, every still-open key of the same issuer and role whose validity
// has no end gets ValidUntil = from: that is key rotation — labels signed
// before the switch keep verifying, labels signed after it with the old keys
// do not. Adding a key that is already listed is an error.
func (t *Trust) AddSet(s *Set, from time.Time, supersede bool) error {
	from = from.UTC().Truncate(time.Second)
	for _, rk := range s.PublicKeys() {
		if _, dup := t.Key(rk.Key.ID()); dup {
			return fmt.Errorf("key %s is already in the trust file", rk.Key.ShortID())
		}
	}
	if supersede {
		for i := range t.Keys {
			k := &t.Keys[i]
			if k.Issuer == s.Issuer && k.Role == RoleLabel && k.ValidUntil == nil && k.Revoked == nil {
				until := from
				k.ValidUntil = &until
			}
		}
	}
	for _, rk := range s.PublicKeys() {
		tk := TrustedKey{
			KeyID: rk.Key.ID(), Role: rk.Role, Algorithm: rk.Key.Alg, Issuer: s.Issuer,
			PublicKey: string(rk.Key.PEM()), ValidFrom: from, pub: rk.Key,
		}
		if rk.Role == RoleLog {
			tk.Origin = s.LogOrigin
		}
		t.Keys = append(t.Keys, tk)
	}
	return nil
}

// Revoke marks a key (by full ID or unique prefix of at least 8 hex digits)
// as revoked.
func (t *Trust) Revoke(id string, at time.Time, reason string) (*TrustedKey, error) {
	if reason == "" {
		return nil, errors.New("a revocation needs a reason (e.g. \"key compromised\")")
	}
	k, err := t.find(id)
	if err != nil {
		return nil, err
	}
	k.Revoked = &Revocation{At: at.UTC().Truncate(time.Second), Reason: reason}
	return k, nil
}

func (t *Trust) find(prefix string) (*TrustedKey, error) {
	if len(prefix) < 8 {
		return nil, fmt.Errorf("key ID %q is too short: give at least 8 hex digits", prefix)
	}
	var found *TrustedKey
	for i := range t.Keys {
		if len(t.Keys[i].KeyID) >= len(prefix) && t.Keys[i].KeyID[:len(prefix)] == prefix {
			if found != nil {
				return nil, fmt.Errorf("key ID prefix %q is ambiguous: give more digits", prefix)
			}
			found = &t.Keys[i]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no key %q in the trust file", prefix)
	}
	return found, nil
}

// MaxTrustBytes caps a trust file, checked from its size before it is
// read (one with a hundred keys is about a megabyte).
const MaxTrustBytes = 16 << 20

// maxKeyFileBytes caps a key or identity file of a key directory (an
// ML-DSA-65 private key PEM is under 6 kB).
const maxKeyFileBytes = 1 << 20
