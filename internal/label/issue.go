package label

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// BundleMediaType identifies a dualmark label bundle.
const BundleMediaType = "application/vnd.dualmark.label.bundle+json;version=1"

// Bundle is what `dualmark label issue` writes: the signed envelope, its
// place in the transparency log, the inclusion proof and the checkpoint the
// proof leads to.
type Bundle struct {
	MediaType string    `json:"mediaType"`
	Envelope  Envelope  `json:"dsseEnvelope"`
	Log       LogRecord `json:"transparencyLog"`
}

// LogRecord locates an envelope in the transparency log.
type LogRecord struct {
	Origin         string   `json:"origin"`
	LogIndex       uint64   `json:"logIndex"`
	TreeSize       uint64   `json:"treeSize"`
	InclusionProof []string `json:"inclusionProof"` // base64 RFC 6962 hashes
	Checkpoint     string   `json:"checkpoint"`     // C2SP signed note
}

// Artifact is a file the label covers by digest (firmware image, SBOM).
type Artifact struct {
	Role string // "firmware" or "sbom"
	Path string
}

// LeafData is the exact log entry of an envelope: its compact JSON, byte
// for byte what json.Marshal produces. It is written by hand because it is
// on the verification hot path: the long base64 strings need no escaping,
// so only the short strings go through json.Marshal.
func LeafData(env *Envelope) []byte {
	n := len(env.Payload) + 64
	for _, s := range env.Signatures {
		n += len(s.Sig) + len(s.KeyID) + 24
	}
	b := make([]byte, 0, n)
	b = append(b, `{"payloadType":`...)
	b = appendJSONString(b, env.PayloadType)
	b = append(b, `,"payload":`...)
	b = appendJSONString(b, env.Payload)
	b = append(b, `,"signatures":`...)
	if env.Signatures == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, s := range env.Signatures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"keyid":`...)
			b = appendJSONString(b, s.KeyID)
			b = append(b, `,"sig":`...)
			b = appendJSONString(b, s.Sig)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendJSONString appends s as json.Marshal would, taking a fast path for
// strings of plain printable ASCII without characters JSON or HTML escaping
// would touch (all base64 and hex strings).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ID returns the label ID: the SHA-256 hex of the envelope's log entry.
func ID(env *Envelope) string {
	sum := sha256.Sum256(LeafData(env))
	return hex.EncodeToString(sum[:])
}

// FileDigest returns the SHA-256 hex digest of a file.
func FileDigest(path string) (string, error) {
	f, _, err := fsread.Open(path, "artifact")
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// NewStatement builds the label statement for an assessment summary.
func NewStatement(sum *Summary, artifacts []Artifact, issuer string, now time.Time) (*Statement, error) {
	pred := Predicate{
		Product: sum.Product, Regimes: sum.Regimes, SupportPeriodEnd: sum.SupportPeriodEnd,
		UpdatePolicy: sum.UpdatePolicy, PostQuantum: sum.PostQuantum, Assessment: sum.Assessment, Issuer: issuer,
		IssuedAt: now.UTC().Truncate(time.Second),
	}
	raw, err := json.Marshal(pred)
	if err != nil {
		return nil, err
	}
	st := &Statement{
		Type:          StatementType,
		PredicateType: PredicateType,
		Predicate:     raw,
		Subject: []ResourceDescriptor{{
			Name: SubjectProduct, Digest: map[string]string{"sha256": sum.Product.Digest()},
		}},
	}
	for _, a := range artifacts {
		d, err := FileDigest(a.Path)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", a.Role, a.Path, err)
		}
		st.Subject = append(st.Subject, ResourceDescriptor{
			Name: a.Role + ":" + filepath.Base(a.Path), Digest: map[string]string{"sha256": d},
		})
	}
	return st, nil
}

// Sign wraps a statement in a DSSE envelope signed with the label keys of s:
// Ed25519 first, then ML-DSA-65, both over the same PAE bytes.
func Sign(st *Statement, s *keys.Set) (*Envelope, error) {
	return SignWith(st, s.LabelEd25519, s.LabelMLDSA65)
}

// SignWith is Sign through two keys.Signer: file keys, or a KMS or HSM
// that holds the label keys. ed must be an Ed25519 key and ml an ML-DSA-65
// key; both sign the same PAE bytes.
func SignWith(st *Statement, ed, ml keys.Signer) (*Envelope, error) {
	for _, c := range []struct {
		s   keys.Signer
		alg string
	}{{ed, keys.AlgEd25519}, {ml, keys.AlgMLDSA65}} {
		if c.s == nil || c.s.Public() == nil {
			return nil, fmt.Errorf("no %s label signer", keys.AlgorithmTitle(c.alg))
		}
		if got := c.s.Public().Alg; got != c.alg {
			return nil, fmt.Errorf("the %s label signer holds a %s key", keys.AlgorithmTitle(c.alg), keys.AlgorithmTitle(got))
		}
	}
	body, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return signEnvelope(PayloadType, body, ed, ml)
}

// Record appends a signed envelope to the log and returns the bundle.
func Record(ctx context.Context, env *Envelope, l *tlog.Log, origin string) (*Bundle, error) {
	e, err := l.Append(ctx, LeafData(env))
	if err != nil {
		return nil, err
	}
	b := &Bundle{MediaType: BundleMediaType, Envelope: *env, Log: LogRecord{
		Origin: origin, LogIndex: e.Index, TreeSize: e.TreeSize, Checkpoint: string(e.Checkpoint),
		InclusionProof: make([]string, len(e.Proof)),
	}}
	for i, h := range e.Proof {
		b.Log.InclusionProof[i] = base64.StdEncoding.EncodeToString(h)
	}
	return b, nil
}

// Issue builds, signs and logs a label for an assessment summary.
func Issue(ctx context.Context, sum *Summary, artifacts []Artifact, s *keys.Set, l *tlog.Log, now time.Time) (*Bundle, error) {
	st, err := NewStatement(sum, artifacts, s.Issuer, now)
	if err != nil {
		return nil, err
	}
	env, err := Sign(st, s)
	if err != nil {
		return nil, err
	}
	return Record(ctx, env, l, s.LogOrigin)
}

// Revoke appends a signed revocation of the bundle's label to the log.
func Revoke(ctx context.Context, b *Bundle, reason string, s *keys.Set, l *tlog.Log, now time.Time) (*Bundle, error) {
	if reason == "" {
		return nil, fmt.Errorf("a revocation needs a reason (--reason)")
	}
	pred, err := json.Marshal(RevocationPredicate{Reason: reason, LogIndex: b.Log.LogIndex, Issuer: s.Issuer, RevokedAt: now.UTC().Truncate(time.Second)})
	if err != nil {
		return nil, err
	}
	st := &Statement{
		Type: StatementType, PredicateType: RevocationPredicateType, Predicate: pred,
		Subject: []ResourceDescriptor{{Name: SubjectLabel, Digest: map[string]string{"sha256": ID(&b.Envelope)}}},
	}
	env, err := Sign(st, s)
	if err != nil {
		return nil, err
	}
	return Record(ctx, env, l, s.LogOrigin)
}

// ReadBundle reads and decodes a bundle file.
func ReadBundle(path string) (*Bundle, error) {
	data, err := fsread.ReadFile(path, "label bundle", MaxBundleBytes)
	if err != nil {
		return nil, fmt.Errorf("reading bundle: %w", err)
	}
	return ParseBundle(data, path)
}

// ParseBundle decodes bundle bytes; name is used in errors.
func ParseBundle(data []byte, name string) (*Bundle, error) {
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: not a label bundle: %v", name, err)
	}
	if b.MediaType != BundleMediaType {
		return nil, fmt.Errorf("%s: /mediaType is %q, want %q", name, b.MediaType, BundleMediaType)
	}
	return &b, nil
}

// Marshal encodes the bundle as indented JSON.
func (b *Bundle) Marshal() []byte {
	out, _ := json.MarshalIndent(b, "", "  ")
	return append(out, '\n')
}

// Size limits of the files the label commands read whole: each is checked
// from the file's size before any byte is read. A bundle or an assessment
// summary of dualmark's is a few kilobytes.
const (
	// MaxBundleBytes caps a label bundle file.
	MaxBundleBytes = 16 << 20
	// MaxAssessmentBytes caps an assessment JSON given to label issue.
	MaxAssessmentBytes = 64 << 20
)
