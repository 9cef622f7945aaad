package csaf

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Signer makes the detached, ASCII-armoured OpenPGP signatures (.asc) of a
// provider directory.
type Signer struct {
	entity *openpgp.Entity
	// Fingerprint is the signing key's fingerprint, upper-case hex.
	Fingerprint string
	// PublicKey is the armoured public key, written beside the documents.
	PublicKey []byte
}

// LoadSigner reads an armoured OpenPGP private key (unencrypted, or
// decrypted with passphrase) for signing.
func LoadSigner(r io.Reader, passphrase []byte) (*Signer, error) {
	list, err := openpgp.ReadArmoredKeyRing(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("OpenPGP key: %w", err)
	}
	if len(list) != 1 || list[0].PrivateKey == nil {
		return nil, fmt.Errorf("OpenPGP key: want exactly one private key, found %d entities", len(list))
	}
	e := list[0]
	if e.PrivateKey.Encrypted {
		if err := e.PrivateKey.Decrypt(passphrase); err != nil {
			return nil, fmt.Errorf("OpenPGP key: %w", err)
		}
	}
	return newSigner(e)
}

// NewTestSigner generates a fresh key (for tests and demonstrations).
func NewTestSigner(name, email string) (*Signer, []byte, error) {
	return GenerateSigner(name, email)
}

// GenerateSigner generates a fresh OpenPGP signing key (an EdDSA
// Curve25519 v4 key, as `gpg --quick-gen-key` makes by default) and
// returns the signer with the armoured, unencrypted private key, which the
// caller stores.
func GenerateSigner(name, email string) (*Signer, []byte, error) {
	e, err := openpgp.NewEntity(name, "CSAF signing", email, &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519})
	if err != nil {
		return nil, nil, err
	}
	var priv bytes.Buffer
	w, err := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := e.SerializePrivate(w, nil); err != nil {
		return nil, nil, err
	}
	w.Close()
	s, err := newSigner(e)
	return s, priv.Bytes(), err
}

func newSigner(e *openpgp.Entity) (*Signer, error) {
	var pub bytes.Buffer
	w, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(w); err != nil {
		return nil, err
	}
	w.Close()
	return &Signer{entity: e, Fingerprint: strings.ToUpper(fmt.Sprintf("%x", e.PrimaryKey.Fingerprint)), PublicKey: pub.Bytes()}, nil
}

// Sign returns the armoured detached signature of data.
func (s *Signer) Sign(data []byte) ([]byte, error) {
	var out bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&out, s.entity, bytes.NewReader(data), nil); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// VerifySignature checks an armoured detached signature of data against an
// armoured public key ring.
func VerifySignature(publicKey, data, sig []byte) error {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(publicKey))
	if err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	_, err = openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(data), bytes.NewReader(sig), nil)
	return err
}
