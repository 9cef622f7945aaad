package keys

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// C2SP signed-note signature type bytes (c2sp.org/signed-note, "Signature
// types") that dualmark reads and writes.
const (
	NoteEd25519         byte = 0x01 // Ed25519 signature over the note text (log checkpoints)
	NoteCosigEd25519    byte = 0x04 // timestamped Ed25519 checkpoint cosignature (cosignature/v1)
	NoteCosigMLDSA44    byte = 0x06 // timestamped ML-DSA-44 (sub)tree cosignature (subtree/v1)
	maxNoteKeyNameBytes      = 255  // cosigned_message.cosigner_name<1..2^8-1>
)

// NoteKeyHash computes the C2SP signed-note key ID of a key:
// SHA-256(name || 0x0A || type || public key)[:4].
func NoteKeyHash(name string, sigType byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', sigType})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// VKey is a C2SP signed-note verifier key: a key name, a signature type, the
// key ID and the public key.
type VKey struct {
	Name string
	Type byte
	Hash uint32
	Key  *PublicKey
}

// noteTypeAlg maps the signature types dualmark supports to key algorithms.
func noteTypeAlg(t byte) (string, bool) {
	switch t {
	case NoteEd25519, NoteCosigEd25519:
		return AlgEd25519, true
	case NoteCosigMLDSA44:
		return AlgMLDSA44, true
	}
	return "", false
}

// NewVKey builds the verifier key of pub under name for signature type t.
func NewVKey(name string, t byte, pub *PublicKey) (*VKey, error) {
	if err := CheckKeyName(name); err != nil {
		return nil, err
	}
	alg, ok := noteTypeAlg(t)
	if !ok || alg != pub.Alg {
		return nil, fmt.Errorf("signature type 0x%02x cannot carry a %s key", t, AlgorithmTitle(pub.Alg))
	}
	return &VKey{Name: name, Type: t, Hash: NoteKeyHash(name, t, pub.Raw), Key: pub}, nil
}

// ParseVKey parses a verifier key "name+hex(key ID)+base64(type || key)" and
// checks that the key ID matches. Only types 0x01, 0x04 and 0x06 are
// accepted.
func ParseVKey(s string) (*VKey, error) {
	name, rest, ok1 := strings.Cut(s, "+")
	hash, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || len(hash) != 8 {
		return nil, fmt.Errorf("verifier key %q: want name+hex8+base64", clip(s))
	}
	if err := CheckKeyName(name); err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	h, err := strconv.ParseUint(hash, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: key ID %q is not 8 hex digits", name, hash)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 2 {
		return nil, fmt.Errorf("verifier key %q: the key is not base64 of type byte and key", name)
	}
	alg, ok := noteTypeAlg(raw[0])
	if !ok {
		return nil, fmt.Errorf("verifier key %q: signature type 0x%02x is not supported (want 0x01, 0x04 or 0x06)", name, raw[0])
	}
	pub, err := NewPublicKey(alg, raw[1:])
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: %w", name, err)
	}
	v := &VKey{Name: name, Type: raw[0], Hash: uint32(h), Key: pub}
	if want := NoteKeyHash(name, v.Type, pub.Raw); want != v.Hash {
		return nil, fmt.Errorf("verifier key %q: key ID %08x does not match the key (%08x)", name, v.Hash, want)
	}
	return v, nil
}

// String returns the verifier key encoding.
func (v *VKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", v.Name, v.Hash, base64.StdEncoding.EncodeToString(append([]byte{v.Type}, v.Key.Raw...)))
}

// CheckKeyName enforces the C2SP signed-note key-name rules (non-empty, no
// spaces or '+') and the 255-byte limit of ML-DSA-44 cosigner names.
func CheckKeyName(name string) error {
	if name == "" || len(name) > maxNoteKeyNameBytes || strings.ContainsAny(name, "+ \t\n\r") || strings.ContainsRune(name, '\u2014') {
		return fmt.Errorf("key name %q must be 1..255 bytes without spaces, '+' or '—' (C2SP signed-note key name)", clip(name))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
