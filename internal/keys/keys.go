// Package keys generates, stores and loads dualmark's signing keys: an
// Ed25519 and an ML-DSA-65 (FIPS 204) key that sign labels, and an Ed25519
// and an ML-DSA-44 key that sign the transparency log's checkpoints. Private
// keys are PKCS#8 PEM files (ML-DSA in the RFC 9881 seed form), public keys
// SPKI PEM files, and every key is named by a key ID derived from its public
// key. The package also reads and edits the trust file that lists the keys a
// verifier accepts, each with its validity period and revocation.
package keys

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// Algorithm names used in trust files, bundles and reports.
const (
	AlgEd25519 = "ed25519"
	AlgMLDSA65 = "ml-dsa-65"
	AlgMLDSA44 = "ml-dsa-44"
)

// AlgorithmTitle returns the human name of an algorithm for messages
// ("Ed25519", "ML-DSA-65", "ML-DSA-44").
func AlgorithmTitle(alg string) string {
	switch alg {
	case AlgEd25519:
		return "Ed25519"
	case AlgMLDSA65:
		return "ML-DSA-65"
	case AlgMLDSA44:
		return "ML-DSA-44"
	}
	return alg
}

// PublicKey is a verification key of one of the supported algorithms.
type PublicKey struct {
	Alg string // AlgEd25519, AlgMLDSA65 or AlgMLDSA44
	Raw []byte // RFC 8032 or FIPS 204 pkEncode bytes

	ed   ed25519.PublicKey
	m65  *mldsa65.PublicKey
	m44  *mldsa44.PublicKey
	spki []byte
	id   string
}

// NewPublicKey builds a PublicKey from its raw standard encoding.
func NewPublicKey(alg string, raw []byte) (*PublicKey, error) {
	k := &PublicKey{Alg: alg, Raw: append([]byte(nil), raw...)}
	var err error
	switch alg {
	case AlgEd25519:
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 public key is %d bytes, want %d", len(raw), ed25519.PublicKeySize)
		}
		k.ed = ed25519.PublicKey(k.Raw)
		k.spki, err = marshalSPKI(oidEd25519, k.Raw)
	case AlgMLDSA65:
		k.m65 = new(mldsa65.PublicKey)
		if err = k.m65.UnmarshalBinary(k.Raw); err != nil {
			return nil, fmt.Errorf("ML-DSA-65 public key: %v (want %d bytes)", err, mldsa65.PublicKeySize)
		}
		k.spki, err = marshalSPKI(oidMLDSA65, k.Raw)
	case AlgMLDSA44:
		k.m44 = new(mldsa44.PublicKey)
		if err = k.m44.UnmarshalBinary(k.Raw); err != nil {
			return nil, fmt.Errorf("ML-DSA-44 public key: %v (want %d bytes)", err, mldsa44.PublicKeySize)
		}
		k.spki, err = marshalSPKI(oidMLDSA44, k.Raw)
	default:
		return nil, fmt.Errorf("unknown key algorithm %q (want %s, %s or %s)", alg, AlgEd25519, AlgMLDSA65, AlgMLDSA44)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(k.spki)
	k.id = hex.EncodeToString(sum[:])
	return k, nil
}

// ID returns the key ID: the lowercase hex SHA-256 of the DER
// SubjectPublicKeyInfo, so that it is derived from the public key alone and
// covers the algorithm.
func (k *PublicKey) ID() string { return k.id }

// ShortID returns the first 16 hex digits of the key ID, for messages.
func (k *PublicKey) ShortID() string { return k.id[:16] }

// SPKI returns the DER SubjectPublicKeyInfo.
func (k *PublicKey) SPKI() []byte { return k.spki }

// PEM returns the SPKI PEM encoding ("PUBLIC KEY").
func (k *PublicKey) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: k.spki})
}

// Verify reports whether sig is a valid signature of msg. ML-DSA uses the
// pure variant with an empty context string.
func (k *PublicKey) Verify(msg, sig []byte) bool {
	switch k.Alg {
	case AlgEd25519:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, msg, sig)
	case AlgMLDSA65:
		return mldsa65.Verify(k.m65, msg, nil, sig)
	case AlgMLDSA44:
		return mldsa44.Verify(k.m44, msg, nil, sig)
	}
	return false
}

// PrivateKey is a signing key of one of the supported algorithms.
type PrivateKey struct {
	pub    *PublicKey
	signer crypto.Signer // Ed25519
	m65    *mldsa65.PrivateKey
	m44    *mldsa44.PrivateKey
	seed   []byte // ML-DSA seed ξ, kept to write the PKCS#8 seed form
}

// Public returns the matching public key (nil for a nil key, so that a
// missing key is reported rather than dereferenced).
func (k *PrivateKey) Public() *PublicKey {
	if k == nil {
		return nil
	}
	return k.pub
}

// Sign signs msg. ML-DSA signing is hedged (randomized) as FIPS 204
// recommends, pure, with an empty context string.
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	switch {
	case k.signer != nil:
		return k.signer.Sign(nil, msg, crypto.Hash(0))
	case k.m65 != nil:
		sig := make([]byte, mldsa65.SignatureSize)
		return sig, mldsa65.SignTo(k.m65, msg, nil, true, sig)
	case k.m44 != nil:
		sig := make([]byte, mldsa44.SignatureSize)
		return sig, mldsa44.SignTo(k.m44, msg, nil, true, sig)
	}
	return nil, fmt.Errorf("empty private key")
}

// GenerateKey creates a key of the given algorithm from the randomness in r
// (crypto/rand when nil).
func GenerateKey(alg string, r io.Reader) (*PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	seed := make([]byte, 32)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return newFromSeed(alg, seed)
}

// newFromSeed derives a key pair deterministically from a 32-byte seed: the
// RFC 8032 private key seed for Ed25519, FIPS 204 ξ for ML-DSA.
func newFromSeed(alg string, seed []byte) (*PrivateKey, error) {
	k := &PrivateKey{seed: append([]byte(nil), seed...)}
	var raw []byte
	var err error
	switch alg {
	case AlgEd25519:
		ed := ed25519.NewKeyFromSeed(seed)
		k.signer = ed
		raw = ed.Public().(ed25519.PublicKey)
	case AlgMLDSA65:
		var pk *mldsa65.PublicKey
		pk, k.m65 = mldsa65.NewKeyFromSeed((*[mldsa65.SeedSize]byte)(seed))
		raw, err = pk.MarshalBinary()
	case AlgMLDSA44:
		var pk *mldsa44.PublicKey
		pk, k.m44 = mldsa44.NewKeyFromSeed((*[mldsa44.SeedSize]byte)(seed))
		raw, err = pk.MarshalBinary()
	default:
		return nil, fmt.Errorf("unknown key algorithm %q", alg)
	}
	if err != nil {
		return nil, err
	}
	if k.pub, err = NewPublicKey(alg, raw); err != nil {
		return nil, err
	}
	return k, nil
}

// MarshalPEM returns the PKCS#8 PEM encoding ("PRIVATE KEY"). ML-DSA keys
// use the RFC 9881 seed form.
func (k *PrivateKey) MarshalPEM() ([]byte, error) {
	var der []byte
	var err error
	switch k.pub.Alg {
	case AlgEd25519:
		der, err = marshalEd25519PKCS8(k.seed)
	case AlgMLDSA65:
		der, err = marshalMLDSAPrivate(oidMLDSA65, k.seed)
	case AlgMLDSA44:
		der, err = marshalMLDSAPrivate(oidMLDSA44, k.seed)
	}
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), nil
}

// ParsePrivatePEM decodes a PKCS#8 PEM private key of a supported algorithm.
func ParsePrivatePEM(data []byte) (*PrivateKey, error) {
	alg, seed, err := parsePrivatePEM(data)
	if err != nil {
		return nil, err
	}
	return newFromSeed(alg, seed)
}
