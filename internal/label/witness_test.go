package label

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
	"github.com/dualmark/dualmark/internal/witness/witnesstest"
)

// witnesses starts n witnesses on loopback that follow the fixture's log,
// and returns a trust file that lists them with a quorum, plus servers.
func (f *fixture) witnesses(t *testing.T, n, quorum int) (*keys.Trust, []*httptest.Server) {
	t.Helper()
	tr := cloneTrust(t, f.trust)
	return tr, witnesstest.Start(t, f.trust, tr, n, quorum)
}

func (f *fixture) issueInto(t *testing.T, dir string, at time.Time) *Bundle {
	t.Helper()
	ctx := context.Background()
	assessment, _ := os.ReadFile("testdata/assessment.json")
	sum, err := Summarize(assessment, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, dir, f.set)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	b, err := Issue(ctx, sum, nil, f.set, l, at)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cosigned(outs []witness.Outcome) string {
	var s []string
	for _, o := range outs {
		if o.Cosigned {
			s = append(s, o.Witness)
		}
	}
	return strings.Join(s, ",")
}

// TestWitnessedLabel: a label cosigned by 2 of 3 witnesses (the third down)
// verifies under a 2-of-3 policy; the same bundle without cosignatures
// fails closed naming the witnesses; a trust file without a policy verifies
// both as before; a bundle issued later moves to a newer checkpoint.
func TestWitnessedLabel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tr, srvs := f.witnesses(t, 3, 2)
	srvs[2].Close() // w3 is down
	eps, err := witness.EndpointsFromTrust(tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := tlog.NewReader(f.logDir)
	c := &witness.Client{Backoff: 5 * time.Millisecond}
	plain := clone(t, f.bundle)
	b := clone(t, f.bundle)
	outs, err := Witness(ctx, b, log, c, eps, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := cosigned(outs); got != "w1.example,w2.example" {
		t.Fatalf("cosigned by %q; outcomes %+v", got, outs)
	}
	r := f.verify(t, b, Policy{Trust: tr, Log: log})
	if !r.Valid || len(r.Witnesses) != 3 || r.Witnesses[2].Cosigned {
		t.Fatalf("2-of-3 cosigned bundle: %s %+v %+v", failedNames(r), r.Failures(), r.Witnesses)
	}
	if d := detail(r, CheckWitnesses); !strings.Contains(d, "2 of 3 witnesses cosigned, 2 required") || !strings.Contains(d, "w3.example (no ML-DSA-44 cosignature, no Ed25519 cosignature)") {
		t.Fatalf("detail %q", d)
	}
	r = f.verify(t, plain, Policy{Trust: tr})
	if r.Valid || failedNames(r) != CheckWitnesses || !strings.Contains(r.Failures()[0].Detail, "quorum not met: 0 of 3") {
		t.Fatalf("uncosigned bundle under a policy: %+v", r.Failures())
	}
	for _, old := range []*Bundle{plain, b} {
		if r := f.verify(t, old, Policy{}); !r.Valid || detail(r, CheckWitnesses) != "" {
			t.Fatalf("no policy: %+v", r.Checks)
		}
	}
	// The same check on the bundle as a tlog-proof file.
	proof, err := b.Proof()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := tlog.ParseProof(proof.Marshal(), "plug.tlog-proof")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := CheckWitnessQuorum(parsed.Checkpoint, tr, false); err != nil || len(st) != 3 {
		t.Fatalf("tlog-proof quorum: %v %+v", err, st)
	}
	if _, err := CheckWitnessQuorum([]byte(plain.Log.Checkpoint), tr, false); err == nil || !strings.Contains(err.Error(), "0 of 3") {
		t.Fatalf("tlog-proof without cosignatures: %v", err)
	}
	// 3-of-3 is not met with w3 down.
	strict := cloneTrust(t, tr)
	strict.SetWitnessPolicy(3, nil)
	if r := f.verify(t, b, Policy{Trust: strict}); r.Valid {
		t.Fatal("3-of-3 met with one witness down")
	}
	// A second label; then the first bundle again: the witnesses are ahead,
	// so the bundle moves to the newer checkpoint with a new proof.
	second := f.issueInto(t, f.logDir, issuedAt.Add(time.Hour))
	if outs, _ := Witness(ctx, second, log, c, eps, 2); cosigned(outs) != "w1.example,w2.example" {
		t.Fatalf("second label: %+v", outs)
	}
	again := clone(t, f.bundle)
	if outs, _ := Witness(ctx, again, log, &witness.Client{}, eps[:2], 0); cosigned(outs) != "w1.example,w2.example" || again.Log.TreeSize != 2 {
		t.Fatalf("older bundle after the witnesses moved on: size %d, %+v", again.Log.TreeSize, outs)
	}
	if r := f.verify(t, again, Policy{Trust: tr, Log: log}); !r.Valid {
		t.Fatalf("moved bundle: %+v", r.Failures())
	}
	if ok, err := tlog.PublishCosigned(f.logDir, []byte(second.Log.Checkpoint)); !ok || err != nil {
		t.Fatalf("publish: %v %v", ok, err)
	}
	if ok, _ := tlog.PublishCosigned(f.logDir, []byte(b.Log.Checkpoint)); ok {
		t.Fatal("published a smaller cosigned checkpoint over a larger one")
	}
}

// TestForkedLogRefused: the log operator keeps a second copy of the log
// (same keys, same origin) with another history. The witnesses, having
// cosigned the real one, refuse the fork at the same size (422) and at a
// larger size (409, then 422 on the consistency proof), so the forked
// bundle fails verification under the quorum.
func TestForkedLogRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tr, _ := f.witnesses(t, 3, 2)
	eps, _ := witness.EndpointsFromTrust(tr, nil)
	real := clone(t, f.bundle)
	if outs, _ := Witness(ctx, real, tlog.NewReader(f.logDir), &witness.Client{}, eps, 0); len(cosigned(outs)) == 0 {
		t.Fatalf("real log not cosigned: %+v", outs)
	}
	forkDir := t.TempDir()
	forkReader := tlog.NewReader(forkDir)
	for i, at := range []time.Time{issuedAt.Add(time.Minute), issuedAt.Add(2 * time.Minute)} {
		forked := f.issueInto(t, forkDir, at)
		outs, err := Witness(ctx, forked, forkReader, &witness.Client{}, eps, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.Cosigned || !strings.Contains(o.Error, "422") {
				t.Fatalf("fork of size %d: %s: cosigned=%v %q", i+1, o.Witness, o.Cosigned, o.Error)
			}
		}
		r := f.verify(t, forked, Policy{Trust: tr})
		if r.Valid || failedNames(r) != CheckWitnesses {
			t.Fatalf("forked bundle of size %d: %s", i+1, failedNames(r))
		}
		// Without a policy the fork is only caught with a view of the real log.
		if r := f.verify(t, forked, Policy{}); !r.Valid {
			t.Fatalf("forked bundle without policy: %s", failedNames(r))
		}
	}
}

func detail(r *Result, name string) string {
	for _, c := range r.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return ""
}
