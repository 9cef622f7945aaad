package label

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// Attest signs an in-toto statement of any predicate type with the label
// keys of s (Ed25519 and ML-DSA-65, as labels are) and appends it to the
// transparency log. The registry uses it for records other than labels,
// such as a submitted CRA Art. 14 report stage.
func Attest(ctx context.Context, st *Statement, s *keys.Set, l *tlog.Log) (*Bundle, error) {
	if st.Type == "" {
		st.Type = StatementType
	}
	env, err := Sign(st, s)
	if err != nil {
		return nil, err
	}
	return Record(ctx, env, l, s.LogOrigin)
}

// VerifyAttestation checks, offline, a bundle Attest wrote: both envelope
// signatures against the trust file, the statement (in-toto v1 with the
// wanted predicate type), the signing keys' validity at signedAt, the
// checkpoint's signatures and the inclusion proof. It returns the decoded
// statement (nil when the envelope or statement check failed) and the
// result with every check.
func VerifyAttestation(b *Bundle, predicateType string, signedAt time.Time, p Policy) (*Statement, *Result) {
	r := &Result{LabelID: ID(&b.Envelope), LogIndex: b.Log.LogIndex, Status: StatusUnknown, Checks: make([]Check, 0, 8)}
	var st *Statement
	body, err := checkEnvelope(&b.Envelope, PayloadType)
	if r.add(CheckEnvelope, err, "DSSE envelope, payload type "+PayloadType) {
		signers := verifySignatures(r, &b.Envelope, body, p)
		st = &Statement{}
		err := json.Unmarshal(body, st)
		switch {
		case err != nil:
			err = fmt.Errorf("statement: %v", err)
		case st.Type != StatementType:
			err = fmt.Errorf("/_type is %q, want %q", st.Type, StatementType)
		case st.PredicateType != predicateType:
			err = fmt.Errorf("/predicateType is %q, want %q", st.PredicateType, predicateType)
		case len(st.Subject) == 0:
			err = errors.New("/subject is empty")
		}
		if !r.add(CheckStatement, err, "in-toto Statement v1, predicate "+predicateType) {
			st = nil
		}
		r.add(CheckKeyValidity, keysValidAt(signers, signedAt), "signing keys valid at "+signedAt.UTC().Format(time.RFC3339))
	}
	cp, err := tlog.OpenCheckpoint([]byte(b.Log.Checkpoint), p.Trust, p.AllowClassicalOnly)
	if err == nil && (cp.Origin != b.Log.Origin || cp.Size != b.Log.TreeSize) {
		err = fmt.Errorf("checkpoint is for log %q size %d, but the bundle says log %q size %d", cp.Origin, cp.Size, b.Log.Origin, b.Log.TreeSize)
	}
	if r.add(CheckCheckpoint, err, fmt.Sprintf("log %s, tree size %d", b.Log.Origin, b.Log.TreeSize)) {
		r.add(CheckInclusion, checkInclusion(cp, b), fmt.Sprintf("entry %d is in the tree of size %d", b.Log.LogIndex, cp.Size))
	}
	finish(r, p)
	return st, r
}
