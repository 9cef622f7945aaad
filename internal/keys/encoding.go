package keys

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// Object identifiers of ML-DSA (NIST CSOR, RFC 9881).
var (
	oidMLDSA44 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}
	oidMLDSA65 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112} // RFC 8410
)

// PEM block types: the standard PKCS#8 and SPKI labels of RFC 7468.
const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
)

// oneAsymmetricKey is the PKCS#8 (RFC 5958) structure.
type oneAsymmetricKey struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// subjectPublicKeyInfo is the X.509 SPKI structure (RFC 5280).
type subjectPublicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// mldsaBoth is the "both" choice of ML-DSA-PrivateKey (RFC 9881).
type mldsaBoth struct {
	Seed        []byte
	ExpandedKey []byte
}

// marshalMLDSAPrivate encodes an ML-DSA seed as PKCS#8 using the RFC 9881
// "seed" choice: [0] IMPLICIT OCTET STRING (SIZE (32)). The seed is the FIPS
// 204 ξ from which ML-DSA.KeyGen_internal derives the key pair.
func marshalMLDSAPrivate(oid asn1.ObjectIdentifier, seed []byte) ([]byte, error) {
	inner, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: seed})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(oneAsymmetricKey{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oid}, PrivateKey: inner})
}

// marshalSPKI encodes raw public key bytes (for ML-DSA the FIPS 204 pkEncode
// output) as an X.509 SubjectPublicKeyInfo with absent parameters.
func marshalSPKI(oid asn1.ObjectIdentifier, pub []byte) ([]byte, error) {
	return asn1.Marshal(subjectPublicKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oid},
		PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)},
	})
}

// parseMLDSASeed extracts the 32-byte seed from the privateKey field of an
// ML-DSA PKCS#8 key: the "seed" choice or the "both" choice. The
// "expandedKey"-only form is rejected because the seed is needed to rederive
// and check the key pair.
func parseMLDSASeed(priv []byte) ([]byte, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(priv, &raw)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("ML-DSA private key: malformed ASN.1 (%v)", err)
	}
	switch {
	case raw.Class == asn1.ClassContextSpecific && raw.Tag == 0 && !raw.IsCompound:
		if len(raw.Bytes) != mldsa65.SeedSize {
			return nil, fmt.Errorf("ML-DSA private key: seed is %d bytes, want 32", len(raw.Bytes))
		}
		return raw.Bytes, nil
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagSequence:
		var both mldsaBoth
		if _, err := asn1.Unmarshal(priv, &both); err != nil {
			return nil, fmt.Errorf("ML-DSA private key: malformed seed+expandedKey sequence: %v", err)
		}
		if len(both.Seed) != mldsa65.SeedSize {
			return nil, fmt.Errorf("ML-DSA private key: seed is %d bytes, want 32", len(both.Seed))
		}
		return both.Seed, nil
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagOctetString:
		return nil, errors.New("ML-DSA private key: expandedKey-only encoding is not supported; re-export the key with its 32-byte seed")
	}
	return nil, errors.New("ML-DSA private key: unknown ML-DSA-PrivateKey choice")
}

// parsePrivatePEM decodes one PEM "PRIVATE KEY" block (PKCS#8) into the
// algorithm name and the 32-byte seed of an Ed25519, ML-DSA-65 or ML-DSA-44
// key.
func parsePrivatePEM(data []byte) (string, []byte, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPrivate {
		return "", nil, errors.New(`no PEM "PRIVATE KEY" block`)
	}
	var k oneAsymmetricKey
	if _, err := asn1.Unmarshal(block.Bytes, &k); err != nil {
		return "", nil, fmt.Errorf("PKCS#8: %v", err)
	}
	for alg, oid := range map[string]asn1.ObjectIdentifier{AlgMLDSA65: oidMLDSA65, AlgMLDSA44: oidMLDSA44} {
		if k.Algorithm.Algorithm.Equal(oid) {
			seed, err := parseMLDSASeed(k.PrivateKey)
			return alg, seed, err
		}
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", nil, fmt.Errorf("PKCS#8: %v", err)
	}
	if ed, ok := key.(ed25519.PrivateKey); ok {
		return AlgEd25519, ed.Seed(), nil
	}
	return "", nil, fmt.Errorf("unsupported private key type %T (want Ed25519, ML-DSA-65 or ML-DSA-44)", key)
}

// marshalEd25519PKCS8 encodes an Ed25519 private key seed as PKCS#8 (RFC 8410).
func marshalEd25519PKCS8(seed []byte) ([]byte, error) {
	return x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(seed))
}

// ParsePublicPEM decodes a PEM "PUBLIC KEY" (SPKI) block holding an Ed25519,
// ML-DSA-65 or ML-DSA-44 public key.
func ParsePublicPEM(data []byte) (*PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemPublic {
		return nil, errors.New(`no PEM "PUBLIC KEY" block`)
	}
	return ParseSPKI(block.Bytes)
}

// ParseSPKI decodes a DER SubjectPublicKeyInfo holding an Ed25519, ML-DSA-65
// or ML-DSA-44 public key.
func ParseSPKI(der []byte) (*PublicKey, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("SubjectPublicKeyInfo: malformed DER (%v)", err)
	}
	raw := spki.PublicKey.RightAlign()
	switch {
	case spki.Algorithm.Algorithm.Equal(oidMLDSA65):
		return NewPublicKey(AlgMLDSA65, raw)
	case spki.Algorithm.Algorithm.Equal(oidMLDSA44):
		return NewPublicKey(AlgMLDSA44, raw)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("SubjectPublicKeyInfo: %v", err)
	}
	if ed, ok := key.(ed25519.PublicKey); ok {
		return NewPublicKey(AlgEd25519, ed)
	}
	return nil, fmt.Errorf("unsupported public key type %T (want Ed25519, ML-DSA-65 or ML-DSA-44)", key)
}
