package label

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// Names of verification checks, in the order they run.
const (
	CheckEnvelope    = "envelope"
	CheckEd25519     = "ed25519-signature"
	CheckMLDSA65     = "ml-dsa-65-signature"
	CheckStatement   = "statement"
	CheckKeyValidity = "key-validity"
	CheckArtifacts   = "artifacts"
	CheckCheckpoint  = "checkpoint"
	CheckInclusion   = "inclusion-proof"
	CheckConsistency = "consistency"
	CheckStatus      = "status"
)

// Label statuses reported against a log.
const (
	StatusActive     = "active"
	StatusRevoked    = "revoked"
	StatusSuperseded = "superseded"
	StatusUnknown    = "unknown" // no log given
)

// Policy says what a verification may rely on.
type Policy struct {
	Trust *keys.Trust
	// AllowClassicalOnly accepts a label or checkpoint whose post-quantum
	// signature is missing (never one whose ML-DSA signature is invalid),
	// for legacy verifiers. It always produces a warning.
	AllowClassicalOnly bool
	Artifacts          []string     // files that must match subjects by digest
	NewerCheckpoint    []byte       // a later signed checkpoint of the same log
	Log                *tlog.Reader // the log (or a copy) for status and consistency
}

// Check is the outcome of one verification step.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Result is the outcome of verifying a bundle.
type Result struct {
	Valid     bool       `json:"valid"`
	LabelID   string     `json:"labelId"`
	LogIndex  uint64     `json:"logIndex"`
	Status    string     `json:"status"`
	Predicate *Predicate `json:"predicate,omitempty"`
	Checks    []Check    `json:"checks"`
	Warnings  []string   `json:"warnings,omitempty"`
	// Witnesses is, when the trust file has a witness policy, whether each
	// policy witness cosigned the bundle's checkpoint.
	Witnesses []WitnessStatus `json:"witnesses,omitempty"`
}

// Failures returns the failed checks.
func (r *Result) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

func (r *Result) add(name string, err error, okDetail string) bool {
	if err != nil {
		r.Checks = append(r.Checks, Check{Name: name, Detail: err.Error()})
		return false
	}
	r.Checks = append(r.Checks, Check{Name: name, OK: true, Detail: okDetail})
	return true
}

// Verify checks a bundle offline: both envelope signatures against the
// trust file, the statement, the signing keys' validity at the issue time,
// the given artifacts against the subjects, the checkpoint's signatures, the
// inclusion proof, and — when given — consistency with a newer checkpoint
// and the label's current status in a log. Every check runs; each failure
// names what failed. Verify returns an error only for unusable input (for
// example a missing artifact file).
func Verify(ctx context.Context, b *Bundle, p Policy) (*Result, error) {
	r := &Result{LabelID: ID(&b.Envelope), LogIndex: b.Log.LogIndex, Status: StatusUnknown, Checks: make([]Check, 0, 10)}
	st := verifyEnvelope(r, &b.Envelope, p)
	if len(p.Artifacts) > 0 {
		if st == nil {
			r.add(CheckArtifacts, errors.New("no statement to compare artifacts with"), "")
		} else if err := checkArtifacts(r, st, r.Predicate, p.Artifacts); err != nil {
			return nil, err
		}
	}
	cp, err := tlog.OpenCheckpoint([]byte(b.Log.Checkpoint), p.Trust, p.AllowClassicalOnly)
	if err == nil && (cp.Origin != b.Log.Origin || cp.Size != b.Log.TreeSize) {
		err = fmt.Errorf("checkpoint is for log %q size %d, but the bundle says log %q size %d", cp.Origin, cp.Size, b.Log.Origin, b.Log.TreeSize)
	}
	if r.add(CheckCheckpoint, err, fmt.Sprintf("log %s, tree size %d, Ed25519 + ML-DSA-44 signatures", b.Log.Origin, b.Log.TreeSize)) {
		if p.Trust.WitnessPolicy != nil {
			st, detail, err := checkQuorum([]byte(b.Log.Checkpoint), p)
			r.Witnesses = st
			r.add(CheckWitnesses, err, detail)
		}
		r.add(CheckInclusion, checkInclusion(cp, b), fmt.Sprintf("entry %d is in the tree of size %d", b.Log.LogIndex, cp.Size))
		if err := checkLog(ctx, r, b, cp, p); err != nil {
			return nil, err
		}
	}
	finish(r, p)
	return r, nil
}

// VerifyEnvelope runs only the envelope checks of Verify — both signatures,
// the statement and the keys' validity — with no log work. It is the part
// whose speed is bounded by the two signature verifications. LabelID is left
// empty: it hashes the log entry, which is log work.
func VerifyEnvelope(env *Envelope, p Policy) *Result {
	r := &Result{Status: StatusUnknown, Checks: make([]Check, 0, 5)}
	verifyEnvelope(r, env, p)
	finish(r, p)
	return r
}

// VerifyDSSE runs only the DSSE layer: payload type, base64, PAE and both
// signatures against the trust file, without decoding the statement.
func VerifyDSSE(env *Envelope, p Policy) *Result {
	r := &Result{Status: StatusUnknown}
	body, err := checkEnvelope(env, PayloadType)
	if r.add(CheckEnvelope, err, "") {
		verifySignatures(r, env, body, p)
	}
	finish(r, p)
	return r
}

func finish(r *Result, p Policy) {
	if p.AllowClassicalOnly {
		r.Warnings = append(r.Warnings, "classical-only policy: a missing post-quantum (ML-DSA) signature is accepted; such a label is forgeable by a quantum computer")
	}
	r.Valid = len(r.Failures()) == 0
}

func verifyEnvelope(r *Result, env *Envelope, p Policy) *Statement {
	body, err := checkEnvelope(env, PayloadType)
	if !r.add(CheckEnvelope, err, "DSSE envelope, payload type "+PayloadType) {
		return nil
	}
	signers := verifySignatures(r, env, body, p)
	st, pred, err := decodeStatement(body, PredicateType)
	if !r.add(CheckStatement, err, "in-toto Statement v1, predicate "+PredicateType) {
		return nil
	}
	r.Predicate = pred
	r.add(CheckKeyValidity, keysValidAt(signers, r.Predicate.IssuedAt), "signing keys valid at the issue time in the predicate")
	return st
}

func checkEnvelope(env *Envelope, wantType string) ([]byte, error) {
	if env.PayloadType != wantType {
		return nil, fmt.Errorf("payload type is %q, want %q", env.PayloadType, wantType)
	}
	body, err := decodeB64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("payload is not base64")
	}
	return body, nil
}

// verifySignatures records the Ed25519 and ML-DSA-65 signature checks and
// returns the trusted keys whose signatures verified.
func verifySignatures(r *Result, env *Envelope, body []byte, p Policy) []*keys.TrustedKey {
	var ok []*keys.TrustedKey
	pae := PAE(env.PayloadType, body)
	for _, alg := range []string{keys.AlgEd25519, keys.AlgMLDSA65} {
		name := CheckEd25519
		if alg == keys.AlgMLDSA65 {
			name = CheckMLDSA65
		}
		tk, err := verifyAlg(env, pae, alg, p.Trust)
		if tk != nil {
			ok = append(ok, tk)
			r.add(name, nil, keys.AlgorithmTitle(alg)+" signature verifies for key "+tk.KeyID[:16])
			continue
		}
		if errors.Is(err, errNoSignature) && alg == keys.AlgMLDSA65 && p.AllowClassicalOnly {
			r.Warnings = append(r.Warnings, "WARNING: this label has no ML-DSA-65 signature from a trusted key; accepted only because of --allow-classical-only")
			r.add(name, nil, "missing, accepted by the classical-only policy")
			continue
		}
		r.add(name, err, "")
	}
	return ok
}

var errNoSignature = errors.New("no signature")

// verifyAlg finds the envelope signature of a trusted label key of alg and
// verifies it over the PAE bytes.
func verifyAlg(env *Envelope, pae []byte, alg string, trust *keys.Trust) (*keys.TrustedKey, error) {
	for _, s := range env.Signatures {
		tk, found := trust.Key(s.KeyID)
		if !found || tk.Algorithm != alg || tk.Role != keys.RoleLabel {
			continue
		}
		sig, err := decodeB64(s.Sig)
		if err != nil || !tk.Public().Verify(pae, sig) {
			return nil, fmt.Errorf("%s signature does not verify for key %s", keys.AlgorithmTitle(alg), tk.KeyID[:16])
		}
		return tk, nil
	}
	return nil, fmt.Errorf("%w: the envelope has no %s signature from a label key in the trust file", errNoSignature, keys.AlgorithmTitle(alg))
}

// decodeStatement decodes and checks a statement; for label statements it
// also returns the decoded predicate.
func decodeStatement(body []byte, predicateType string) (*Statement, *Predicate, error) {
	var st *Statement
	var pred *Predicate
	var err error
	if predicateType == PredicateType {
		st, pred, err = decodeLabelStatement(body)
	} else {
		st = &Statement{}
		err = json.Unmarshal(body, st)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("payload is not an in-toto statement: %v", err)
	}
	if st.Type != StatementType {
		return nil, nil, fmt.Errorf("/_type is %q, want %q", st.Type, StatementType)
	}
	if st.PredicateType != predicateType {
		return nil, nil, fmt.Errorf("/predicateType is %q, want %q", st.PredicateType, predicateType)
	}
	if len(st.Subject) == 0 {
		return nil, nil, errors.New("/subject is empty")
	}
	for i, s := range st.Subject {
		if len(s.Digest) == 0 {
			return nil, nil, fmt.Errorf("/subject/%d/digest is empty", i)
		}
	}
	if predicateType != PredicateType {
		return st, nil, nil
	}
	if pred == nil || pred.IssuedAt.IsZero() || pred.Issuer == "" {
		return nil, nil, errors.New("/predicate: issuer or issuedAt missing")
	}
	if st.Subject[0].Name != SubjectProduct || st.Subject[0].Digest["sha256"] != pred.Product.Digest() {
		return nil, nil, errors.New("/subject/0: product subject digest does not match /predicate/product")
	}
	return st, pred, nil
}

func keysValidAt(signers []*keys.TrustedKey, at time.Time) error {
	var errs []error
	for _, k := range signers {
		if err := k.CheckAt(at); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkArtifacts matches files against the subjects' digests and the
// signed assessment's digest.
func checkArtifacts(r *Result, st *Statement, pred *Predicate, paths []string) error {
	have := map[string]string{}
	for _, s := range st.Subject {
		if d := s.Digest["sha256"]; d != "" {
			have[d] = s.Name
		}
	}
	if pred != nil && pred.Assessment.Digest["sha256"] != "" {
		have[pred.Assessment.Digest["sha256"]] = "assessment"
	}
	var errs []error
	for _, path := range paths {
		d, err := FileDigest(path)
		if err != nil {
			return fmt.Errorf("artifact: %w", err)
		}
		if _, ok := have[d]; !ok {
			errs = append(errs, fmt.Errorf("artifact %s (sha256 %s…) matches no subject of this label nor its assessment", filepath.Base(path), d[:16]))
		}
	}
	r.add(CheckArtifacts, errors.Join(errs...), fmt.Sprintf("%d artifact(s) match the label's digests", len(paths)))
	return nil
}

func checkInclusion(cp *tlog.Checkpoint, b *Bundle) error {
	proof := make([][]byte, len(b.Log.InclusionProof))
	for i, h := range b.Log.InclusionProof {
		var err error
		if proof[i], err = decodeB64(h); err != nil {
			return fmt.Errorf("/transparencyLog/inclusionProof/%d is not base64", i)
		}
	}
	return tlog.VerifyInclusion(cp, b.Log.LogIndex, LeafData(&b.Envelope), proof)
}

// checkLog verifies consistency with a newer checkpoint and the label's
// status in the log, when those are given.
func checkLog(ctx context.Context, r *Result, b *Bundle, cp *tlog.Checkpoint, p Policy) error {
	var newer []*tlog.Checkpoint
	if p.NewerCheckpoint != nil {
		ncp, err := tlog.OpenCheckpoint(p.NewerCheckpoint, p.Trust, p.AllowClassicalOnly)
		if err != nil {
			r.add(CheckConsistency, fmt.Errorf("newer %v", err), "")
			return nil
		}
		newer = append(newer, ncp)
	}
	if p.Log == nil {
		if len(newer) > 0 && newer[0].Size != cp.Size {
			return errors.New("proving consistency with a newer checkpoint needs the log's tiles: pass --log DIR or URL (a copy of the log directory, or the log served over HTTP)")
		}
		if len(newer) > 0 && !bytes.Equal(newer[0].Root, cp.Root) {
			r.add(CheckConsistency, errors.New("newer checkpoint has the same size but another root hash: the log forked"), "")
		}
		return nil
	}
	raw, err := p.Log.Checkpoint(ctx)
	if err != nil {
		return err
	}
	lcp, err := tlog.OpenCheckpoint(raw, p.Trust, p.AllowClassicalOnly)
	if err != nil {
		r.add(CheckConsistency, fmt.Errorf("log %v", err), "")
		return nil
	}
	newer = append(newer, lcp)
	for _, n := range newer {
		if n.Size < cp.Size {
			r.add(CheckConsistency, fmt.Errorf("checkpoint of size %d is older than the bundle's (%d)", n.Size, cp.Size), "")
			continue
		}
		proof, err := p.Log.ConsistencyProof(ctx, cp.Size, n.Size)
		if err != nil {
			return err
		}
		r.add(CheckConsistency, tlog.VerifyConsistency(cp, n, proof), fmt.Sprintf("tree size %d is a prefix of tree size %d", cp.Size, n.Size))
	}
	if r.Predicate == nil {
		return nil
	}
	status, detail, err := labelStatus(ctx, b, r.Predicate, lcp.Size, p)
	if err != nil {
		return err
	}
	r.Status = status
	var serr error
	if status == StatusRevoked {
		serr = errors.New(detail)
	}
	if status == StatusSuperseded {
		r.Warnings = append(r.Warnings, detail)
	}
	r.add(CheckStatus, serr, detail)
	return nil
}

// labelStatus scans the log after the label for a valid revocation of it or
// a newer label for the same product from the same issuer.
func labelStatus(ctx context.Context, b *Bundle, pred *Predicate, size uint64, p Policy) (string, string, error) {
	id := ID(&b.Envelope)
	productDigest := pred.Product.Digest()
	status, detail := StatusActive, fmt.Sprintf("not revoked or superseded in %d log entries", size)
	err := p.Log.Entries(ctx, b.Log.LogIndex+1, size, func(i uint64, data []byte) bool {
		var env Envelope
		if json.Unmarshal(data, &env) != nil {
			return true
		}
		body, err := checkEnvelope(&env, PayloadType)
		if err != nil || !signedByTrusted(&env, body, p.Trust) {
			return true
		}
		var st Statement
		if json.Unmarshal(body, &st) != nil || len(st.Subject) == 0 {
			return true
		}
		switch st.PredicateType {
		case RevocationPredicateType:
			var rp RevocationPredicate
			if st.Subject[0].Digest["sha256"] == id && json.Unmarshal(st.Predicate, &rp) == nil {
				status = StatusRevoked
				detail = fmt.Sprintf("label was revoked by %s on %s (log entry %d): %s", rp.Issuer, rp.RevokedAt.Format(time.RFC3339), i, rp.Reason)
				return false
			}
		case PredicateType:
			var np Predicate
			if json.Unmarshal(st.Predicate, &np) == nil && np.Issuer == pred.Issuer && np.Product.Digest() == productDigest && status == StatusActive {
				status = StatusSuperseded
				detail = fmt.Sprintf("superseded by a newer label for the same product issued %s (log entry %d)", np.IssuedAt.Format(time.RFC3339), i)
			}
		}
		return true
	})
	return status, detail, err
}

// signedByTrusted reports whether both label signatures of a log entry
// verify against currently trusted label keys.
func signedByTrusted(env *Envelope, body []byte, trust *keys.Trust) bool {
	pae := PAE(env.PayloadType, body)
	for _, alg := range []string{keys.AlgEd25519, keys.AlgMLDSA65} {
		tk, err := verifyAlg(env, pae, alg, trust)
		if err != nil || tk.Revoked != nil {
			return false
		}
	}
	return true
}

// ReadCheckpointFile reads a signed checkpoint note from a file.
func ReadCheckpointFile(path string) ([]byte, error) {
	data, err := fsread.ReadFile(path, "checkpoint", tlog.MaxCheckpointBytes)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	return data, nil
}

// Contents decodes the label statement of a bundle without checking any
// signature, key or proof: what the label says, for display. Only Verify
// says whether it can be trusted.
func Contents(b *Bundle) (*Statement, *Predicate, error) {
	body, err := checkEnvelope(&b.Envelope, PayloadType)
	if err != nil {
		return nil, nil, err
	}
	return decodeStatement(body, PredicateType)
}
