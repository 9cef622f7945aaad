package witness

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "example.com/dualmark-witness-test"

// fixture is a log (keys, trust file) and a way to make its checkpoints.
type fixture struct {
	set   *keys.Set
	trust *keys.Trust
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	s, err := keys.GenerateSet("Test Issuer", testOrigin, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tr := &keys.Trust{Version: keys.TrustVersion}
	if err := tr.AddSet(s, time.Now().Add(-time.Hour), false); err != nil {
		t.Fatal(err)
	}
	return &fixture{set: s, trust: tr}
}

// history is an in-memory Merkle tree of n leaves; a fork shares the first
// `shared` leaves with the main history and differs after.
func history(n, shared int, branch string) *testonly.Tree {
	tr := testonly.New(rfc6962.DefaultHasher)
	for i := 0; i < n; i++ {
		if i < shared {
			tr.AppendData(fmt.Appendf(nil, "leaf %d", i))
		} else {
			tr.AppendData(fmt.Appendf(nil, "leaf %d of %s", i, branch))
		}
	}
	return tr
}

// checkpoint signs the checkpoint of size n of a tree with the log keys.
func (f *fixture) checkpoint(t testing.TB, tree *testonly.Tree, n uint64) []byte {
	t.Helper()
	return signText(t, f.set, fmt.Sprintf("%s\n%d\n%s\n", f.set.LogOrigin, n, base64.StdEncoding.EncodeToString(tree.HashAt(n))))
}

func signText(t testing.TB, s *keys.Set, text string) []byte {
	t.Helper()
	ed, ml, err := tlog.Signers(s)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := note.Sign(&note.Note{Text: text}, ed, ml)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// body builds an add-checkpoint request from old to n over tree.
func body(t testing.TB, f *fixture, tree *testonly.Tree, old, n uint64) []byte {
	t.Helper()
	r := &Request{OldSize: old, Checkpoint: f.checkpoint(t, tree, n)}
	if old > 0 && old < n {
		p, err := tree.ConsistencyProof(old, n)
		if err != nil {
			t.Fatal(err)
		}
		r.Proof = p
	}
	return r.Marshal()
}

func proofsOf(tree *testonly.Tree) ProofSource {
	return func(_ context.Context, old, n uint64) ([][]byte, error) { return tree.ConsistencyProof(old, n) }
}

// newWitness starts a witness with fresh keys and a state file in dir.
func newWitness(t testing.TB, f *fixture, name, dbPath string) (*Witness, *keys.WitnessSet) {
	t.Helper()
	ws, err := keys.GenerateWitnessSet(name, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return startWitness(t, f, ws, dbPath), ws
}

func startWitness(t testing.TB, f *fixture, ws *keys.WitnessSet, dbPath string) *Witness {
	t.Helper()
	st, err := OpenStore(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w, err := New(Config{Keys: ws, Trust: f.trust, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// servedWitnesses starts n witnesses on loopback and returns their
// endpoints.
func servedWitnesses(t testing.TB, f *fixture, n int) ([]*Witness, []Endpoint) {
	t.Helper()
	var ws []*Witness
	var eps []Endpoint
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("witness%d.example", i+1)
		w, set := newWitness(t, f, name, filepath.Join(t.TempDir(), "state.db"))
		srv := httptest.NewServer(w)
		t.Cleanup(srv.Close)
		ws = append(ws, w)
		eps = append(eps, Endpoint{Name: name, URL: srv.URL, Keys: set.VKeys()})
	}
	return ws, eps
}
