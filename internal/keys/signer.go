package keys

// Signer signs with one key whose private half it holds or reaches: a key
// file loaded into memory (*PrivateKey), or a KMS or HSM that keeps the key
// and signs on request. Label issuance (package label) and checkpoint
// signing (package tlog) sign through it, so a server can swap file keys
// for a remote signer without touching either.
//
// Sign returns the signature over msg in the algorithm's standard encoding
// (RFC 8032 Ed25519; FIPS 204 ML-DSA, pure, empty context); Public names the
// algorithm and the key ID the signature is recorded under.
type Signer interface {
	Public() *PublicKey
	Sign(msg []byte) ([]byte, error)
}

// *PrivateKey is the file-key Signer.
var _ Signer = (*PrivateKey)(nil)
