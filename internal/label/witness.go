package label

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
)

// CheckWitnesses is the name of the witness-quorum check.
const CheckWitnesses = "witnesses"

// maxWitnessRounds bounds how often Witness moves to a newer checkpoint
// because a witness already holds a larger tree than the bundle's.
const maxWitnessRounds = 3

// Witness asks witnesses to cosign the bundle's checkpoint and puts the
// cosigned checkpoint in the bundle. When a witness already holds a larger
// tree (another label was logged and witnessed meanwhile), it moves the
// bundle to the log's latest checkpoint — with a new inclusion proof — and
// asks again, a bounded number of times. quorum > 0 lets it stop waiting for
// slow witnesses once that many have cosigned (see witness.Client.Grace).
// The outcomes say what each witness did; the error is for a log that
// cannot be read.
func Witness(ctx context.Context, b *Bundle, log *tlog.Reader, c *witness.Client, eps []witness.Endpoint, quorum int) ([]witness.Outcome, error) {
	proofs := func(ctx context.Context, old, n uint64) ([][]byte, error) { return log.ConsistencyProof(ctx, old, n) }
	var outs []witness.Outcome
	for round := 0; round < maxWitnessRounds; round++ {
		cosigned, o, err := c.Cosign(ctx, []byte(b.Log.Checkpoint), eps, proofs, quorum)
		if err != nil {
			return nil, err
		}
		outs = o
		b.Log.Checkpoint = string(cosigned)
		if !anyAhead(outs) {
			break
		}
		latest, err := log.Checkpoint(ctx)
		if err != nil {
			return nil, err
		}
		if err := moveTo(ctx, b, log, latest); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

func anyAhead(outs []witness.Outcome) bool {
	for _, o := range outs {
		if o.Ahead > 0 {
			return true
		}
	}
	return false
}

// moveTo replaces the bundle's checkpoint with a newer one of the same log
// and recomputes the inclusion proof for it.
func moveTo(ctx context.Context, b *Bundle, log *tlog.Reader, signed []byte) error {
	text, _, err := tlog.SplitNote(signed)
	if err != nil {
		return err
	}
	cp, err := tlog.ParseCheckpointText(text)
	if err != nil {
		return err
	}
	if cp.Origin != b.Log.Origin || cp.Size < b.Log.TreeSize {
		return fmt.Errorf("the log's latest checkpoint (%s, size %d) does not extend the bundle's (%s, size %d)", cp.Origin, cp.Size, b.Log.Origin, b.Log.TreeSize)
	}
	p, err := log.InclusionProof(ctx, b.Log.LogIndex, cp.Size)
	if err != nil {
		return err
	}
	b.Log.TreeSize, b.Log.Checkpoint = cp.Size, string(signed)
	b.Log.InclusionProof = make([]string, len(p))
	for i, h := range p {
		b.Log.InclusionProof[i] = base64.StdEncoding.EncodeToString(h)
	}
	return nil
}

// WitnessStatus says whether one policy witness cosigned a checkpoint.
type WitnessStatus struct {
	Name     string `json:"name"`
	Cosigned bool   `json:"cosigned"`
	Detail   string `json:"detail"`
}

// CheckWitnessQuorum evaluates a trust file's witness policy on a signed
// checkpoint — for example the one in a `.tlog-proof` file — as label
// verification does: it returns each policy witness's status and an error
// naming who signed and who did not when the quorum is not met. With no
// policy in the trust file it returns nothing and no error.
func CheckWitnessQuorum(signed []byte, trust *keys.Trust, allowClassicalOnly bool) ([]WitnessStatus, error) {
	if trust.WitnessPolicy == nil {
		return nil, nil
	}
	st, _, err := checkQuorum(signed, Policy{Trust: trust, AllowClassicalOnly: allowClassicalOnly})
	return st, err
}

// checkQuorum evaluates the trust file's witness policy on a checkpoint.
func checkQuorum(signed []byte, p Policy) ([]WitnessStatus, string, error) {
	pol := p.Trust.WitnessPolicy
	var st []WitnessStatus
	var yes, no []string
	for _, w := range p.Trust.PolicyWitnesses() {
		cs, err := tlog.VerifyCosignatures(signed, w.Keys())
		if err != nil {
			return nil, "", err
		}
		s := witnessStatus(w, cs, p.AllowClassicalOnly)
		st = append(st, s)
		if s.Cosigned {
			yes = append(yes, s.Name)
		} else {
			no = append(no, s.Name+" ("+s.Detail+")")
		}
	}
	summary := fmt.Sprintf("%d of %d witnesses cosigned, %d required; signed: %s; not signed: %s",
		len(yes), len(st), pol.Quorum, listOrNone(yes), listOrNone(no))
	if len(yes) < pol.Quorum {
		return st, "", errors.New("witness quorum not met: " + summary)
	}
	return st, summary, nil
}

func witnessStatus(w *keys.TrustedWitness, cs []tlog.Cosignature, classicalOK bool) WitnessStatus {
	s := WitnessStatus{Name: w.Name, Cosigned: true}
	var got, problems []string
	for _, c := range cs {
		switch {
		case c.Valid:
			got = append(got, c.Algorithm()+" at "+c.Time.Format("2006-01-02T15:04:05Z"))
		case c.Found:
			problems = append(problems, "invalid "+c.Algorithm()+" cosignature")
		case c.Type == keys.NoteCosigMLDSA44 && classicalOK && len(cs) > 1:
			got = append(got, "no ML-DSA-44 (accepted by the classical-only policy)")
		default:
			problems = append(problems, "no "+c.Algorithm()+" cosignature")
		}
	}
	if len(problems) > 0 {
		s.Cosigned, s.Detail = false, strings.Join(problems, ", ")
	} else {
		s.Detail = strings.Join(got, ", ")
	}
	return s
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// Proof returns the bundle's log record as a c2sp.org/tlog-proof (for
// `.tlog-proof` files); it carries the checkpoint with its cosignatures.
func (b *Bundle) Proof() (*tlog.Proof, error) {
	p := &tlog.Proof{Index: b.Log.LogIndex, Checkpoint: []byte(b.Log.Checkpoint)}
	for i, h := range b.Log.InclusionProof {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("/transparencyLog/inclusionProof/%d is not base64", i)
		}
		p.Hashes = append(p.Hashes, raw)
	}
	return p, nil
}
