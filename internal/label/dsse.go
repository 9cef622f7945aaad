package label

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/dualmark/dualmark/internal/keys"
)

// PayloadType is the DSSE payload type of in-toto statements.
const PayloadType = "application/vnd.in-toto+json"

// Envelope is a DSSE envelope (DSSE v1.0.2 envelope.md). dualmark envelopes
// carry two signatures over the same PAE bytes: Ed25519 and ML-DSA-65.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"` // base64 of the serialized statement
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature; KeyID is the signer's key ID.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"` // base64
}

// PAE is the DSSE pre-authentication encoding:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
func PAE(payloadType string, body []byte) []byte {
	b := make([]byte, 0, len(payloadType)+len(body)+32)
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, ' ')
	return append(b, body...)
}

// decodeB64 accepts standard and URL-safe base64, padded or not, as DSSE
// requires of verifiers.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

// signEnvelope signs body with every key, all over the same PAE bytes.
func signEnvelope(payloadType string, body []byte, signers ...keys.Signer) (*Envelope, error) {
	pae := PAE(payloadType, body)
	env := &Envelope{PayloadType: payloadType, Payload: base64.StdEncoding.EncodeToString(body)}
	for _, k := range signers {
		sig, err := k.Sign(pae)
		if err != nil {
			return nil, fmt.Errorf("%s signing: %w", keys.AlgorithmTitle(k.Public().Alg), err)
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: k.Public().ID(), Sig: base64.StdEncoding.EncodeToString(sig)})
	}
	return env, nil
}
