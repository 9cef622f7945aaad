package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"golang.org/x/mod/sumdb/note"
)

// C2SP signed-note signature type bytes used by dualmark checkpoints.
const (
	sigTypeEd25519     = keys.NoteEd25519      // c2sp.org/signed-note: Ed25519 over the note text
	sigTypeEd25519Co   = keys.NoteCosigEd25519 // c2sp.org/tlog-cosignature: timestamped Ed25519 cosignature/v1
	sigTypeMLDSA44Co   = keys.NoteCosigMLDSA44 // c2sp.org/tlog-cosignature: timestamped ML-DSA-44 subtree cosignature
	cosignEd25519Label = "cosignature/v1\n"
)

// cosignLabel is the fixed label that starts an ML-DSA-44 cosigned_message.
var cosignLabel = []byte("subtree/v1\n\x00")

// noteKey is both a note.Signer (when priv is set) and a note.Verifier for
// one signature type: 0x01 (log signature), 0x04 or 0x06 (cosignatures).
type noteKey struct {
	name    string
	sigType byte
	pub     *keys.PublicKey
	priv    keys.Signer
	hash    uint32
	now     func() time.Time
}

// logSigType is the checkpoint signature type of a log key's algorithm:
// Ed25519 signs (0x01), ML-DSA-44 cosigns (0x06).
func logSigType(alg string) (byte, error) {
	switch alg {
	case keys.AlgEd25519:
		return sigTypeEd25519, nil
	case keys.AlgMLDSA44:
		return sigTypeMLDSA44Co, nil
	}
	return 0, fmt.Errorf("checkpoint keys must be Ed25519 or ML-DSA-44, not %s", keys.AlgorithmTitle(alg))
}

func newNoteKey(name string, sigType byte, pub *keys.PublicKey, priv keys.Signer) (*noteKey, error) {
	v, err := keys.NewVKey(name, sigType, pub)
	if err != nil {
		return nil, err
	}
	return &noteKey{name: name, sigType: sigType, pub: pub, priv: priv, hash: v.Hash, now: time.Now}, nil
}

func newLogKey(name string, pub *keys.PublicKey, priv keys.Signer) (*noteKey, error) {
	t, err := logSigType(pub.Alg)
	if err != nil {
		return nil, err
	}
	return newNoteKey(name, t, pub, priv)
}

// NewCosigner returns a note.Signer that makes C2SP tlog-cosignatures under
// the cosigner name: type 0x04 (cosignature/v1) for an Ed25519 key, type
// 0x06 (subtree/v1 over the whole tree) for an ML-DSA-44 key. Both carry the
// signing time.
func NewCosigner(name string, priv keys.Signer) (note.Signer, error) {
	t := sigTypeEd25519Co
	if priv.Public().Alg == keys.AlgMLDSA44 {
		t = sigTypeMLDSA44Co
	}
	return newNoteKey(name, t, priv.Public(), priv)
}

// Name implements note.Signer and note.Verifier.
func (k *noteKey) Name() string { return k.name }

// KeyHash implements note.Signer and note.Verifier.
func (k *noteKey) KeyHash() uint32 { return k.hash }

// Sign implements note.Signer.
func (k *noteKey) Sign(msg []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, errors.New("no private key")
	}
	if k.sigType == sigTypeEd25519 {
		return k.priv.Sign(msg)
	}
	ts := uint64(k.now().Unix())
	m, err := k.signedMessage(ts, msg)
	if err != nil {
		return nil, err
	}
	sig, err := k.priv.Sign(m)
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint64(nil, ts), sig...), nil
}

// Verify implements note.Verifier.
func (k *noteKey) Verify(msg, sig []byte) bool {
	if k.sigType == sigTypeEd25519 {
		return k.pub.Verify(msg, sig)
	}
	if len(sig) < 8 {
		return false
	}
	ts := binary.BigEndian.Uint64(sig[:8])
	if ts > 1<<63-1 {
		return false
	}
	m, err := k.signedMessage(ts, msg)
	return err == nil && k.pub.Verify(m, sig[8:])
}

// signedMessage is what a cosignature of type 0x04 or 0x06 signs.
func (k *noteKey) signedMessage(ts uint64, text []byte) ([]byte, error) {
	if k.sigType == sigTypeEd25519Co {
		return cosignatureV1Message(ts, text), nil
	}
	return cosignedMessage(k.name, ts, text)
}

// cosignatureV1Message builds the tlog-cosignature Ed25519 signed message:
// "cosignature/v1", "time <ts>", then the whole checkpoint note text.
func cosignatureV1Message(ts uint64, text []byte) []byte {
	b := make([]byte, 0, len(cosignEd25519Label)+26+len(text))
	b = append(b, cosignEd25519Label...)
	b = append(b, "time "...)
	b = strconv.AppendUint(b, ts, 10)
	b = append(b, '\n')
	return append(b, text...)
}

// VKey returns the C2SP verifier key string name+hex(id)+base64(type||key).
func (k *noteKey) VKey() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, k.hash, base64.StdEncoding.EncodeToString(append([]byte{k.sigType}, k.pub.Raw...)))
}

// cosignedMessage builds the tlog-cosignature ML-DSA-44 cosigned_message for
// a checkpoint note text: label, cosigner name, timestamp, origin, start=0,
// end=tree size, root hash.
func cosignedMessage(cosigner string, ts uint64, text []byte) ([]byte, error) {
	cp, err := ParseCheckpointText(text)
	if err != nil {
		return nil, err
	}
	if len(cosigner) == 0 || len(cosigner) > 255 || len(cp.Origin) > 255 {
		return nil, errors.New("cosigner name and origin must be 1..255 bytes")
	}
	var b bytes.Buffer
	b.Write(cosignLabel)
	b.WriteByte(byte(len(cosigner)))
	b.WriteString(cosigner)
	b.Write(binary.BigEndian.AppendUint64(nil, ts))
	b.WriteByte(byte(len(cp.Origin)))
	b.WriteString(cp.Origin)
	b.Write(binary.BigEndian.AppendUint64(nil, 0))
	b.Write(binary.BigEndian.AppendUint64(nil, cp.Size))
	b.Write(cp.Root)
	return b.Bytes(), nil
}

// Checkpoint is the parsed body of a C2SP tlog-checkpoint.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte // 32-byte RFC 6962 root hash
}

// ParseCheckpointText parses the note text of a checkpoint (origin, size,
// base64 root hash, optional extension lines).
func ParseCheckpointText(text []byte) (*Checkpoint, error) {
	lines := strings.Split(string(text), "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return nil, errors.New("checkpoint: want origin, size and root hash lines ending in a newline")
	}
	cp := &Checkpoint{Origin: lines[0]}
	if cp.Origin == "" {
		return nil, errors.New("checkpoint: line 1: empty origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (len(lines[1]) > 1 && lines[1][0] == '0') {
		return nil, fmt.Errorf("checkpoint: line 2: tree size %q is not a decimal without leading zeroes", lines[1])
	}
	cp.Size = size
	cp.Root, err = base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(cp.Root) != sha256.Size {
		return nil, fmt.Errorf("checkpoint: line 3: root hash %q is not base64 of 32 bytes", lines[2])
	}
	return cp, nil
}

// Signers builds the two checkpoint signers of a key set: Ed25519 (type
// 0x01) and ML-DSA-44 (cosignature type 0x06), both named by the log origin.
func Signers(s *keys.Set) (ed, ml note.Signer, err error) {
	return CheckpointSigners(s.LogOrigin, s.LogEd25519, s.LogMLDSA44)
}

// CheckpointSigners builds the two checkpoint signers of a log from two
// keys.Signer (file keys, or a KMS or HSM holding the log keys): ed must be
// an Ed25519 key (type 0x01 signature), ml an ML-DSA-44 key (type 0x06
// cosignature), both named by the origin.
func CheckpointSigners(origin string, ed, ml keys.Signer) (note.Signer, note.Signer, error) {
	var out [2]note.Signer
	for i, c := range []struct {
		s   keys.Signer
		alg string
	}{{ed, keys.AlgEd25519}, {ml, keys.AlgMLDSA44}} {
		if c.s == nil || c.s.Public() == nil {
			return nil, nil, fmt.Errorf("no %s checkpoint signer", keys.AlgorithmTitle(c.alg))
		}
		if got := c.s.Public().Alg; got != c.alg {
			return nil, nil, fmt.Errorf("the %s checkpoint signer holds a %s key", keys.AlgorithmTitle(c.alg), keys.AlgorithmTitle(got))
		}
		k, err := newLogKey(origin, c.s.Public(), c.s)
		if err != nil {
			return nil, nil, err
		}
		out[i] = k
	}
	return out[0], out[1], nil
}

// VKeys returns the C2SP verifier keys of a key set's log keys.
func VKeys(s *keys.Set) []string {
	e, m, err := Signers(s)
	if err != nil {
		return nil
	}
	return []string{e.(*noteKey).VKey(), m.(*noteKey).VKey()}
}

// verifierSet implements note.Verifiers over trusted log keys.
type verifierSet []*noteKey

func (vs verifierSet) Verifier(name string, hash uint32) (note.Verifier, error) {
	for _, v := range vs {
		if v.name == name && v.hash == hash {
			return v, nil
		}
	}
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// OpenCheckpoint verifies a signed checkpoint note against the trusted log
// keys of its origin and returns the parsed checkpoint. It requires a valid
// Ed25519 signature and a valid ML-DSA-44 cosignature from trusted keys of
// that origin, unless allowClassicalOnly, in which case the ML-DSA one may be
// missing (never invalid). The error names what failed.
func OpenCheckpoint(signed []byte, trust *keys.Trust, allowClassicalOnly bool) (*Checkpoint, error) {
	text, _, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return nil, errors.New("checkpoint: not a signed note (no blank line before the signatures)")
	}
	cp, err := ParseCheckpointText(append(text, '\n'))
	if err != nil {
		return nil, err
	}
	var vs verifierSet
	for _, tk := range trust.LogKeys(cp.Origin) {
		if tk.Revoked != nil {
			continue
		}
		nk, err := newLogKey(cp.Origin, tk.Public(), nil)
		if err != nil {
			return nil, err
		}
		vs = append(vs, nk)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("checkpoint: the trust file has no valid key for log %q", cp.Origin)
	}
	n, err := note.Open(signed, vs)
	if err != nil {
		var inv *note.InvalidSignatureError
		if errors.As(err, &inv) {
			v, _ := vs.Verifier(inv.Name, inv.Hash)
			return nil, fmt.Errorf("checkpoint: %s signature of log %q (key hash %08x) does not verify", sigTypeTitle(v.(*noteKey).sigType), inv.Name, inv.Hash)
		}
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			return nil, fmt.Errorf("checkpoint: no signature from a trusted key of log %q (signed by another log key, or the trust file is out of date)", cp.Origin)
		}
		return nil, fmt.Errorf("checkpoint: %v", err)
	}
	have := map[byte]bool{}
	for _, s := range n.Sigs {
		v, _ := vs.Verifier(s.Name, s.Hash)
		have[v.(*noteKey).sigType] = true
	}
	if !have[sigTypeEd25519] {
		return nil, fmt.Errorf("checkpoint: no valid Ed25519 signature from a trusted key of log %q", cp.Origin)
	}
	if !have[sigTypeMLDSA44Co] && !allowClassicalOnly {
		return nil, fmt.Errorf("checkpoint: no valid ML-DSA-44 signature from a trusted key of log %q", cp.Origin)
	}
	return cp, nil
}

func sigTypeTitle(t byte) string {
	if t == sigTypeEd25519 {
		return "Ed25519"
	}
	return "ML-DSA-44"
}
