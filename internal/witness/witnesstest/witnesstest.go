// Package witnesstest starts C2SP witnesses on loopback for tests of the
// packages that collect cosignatures (label, registry).
package witnesstest

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/witness"
)

// Start starts n witnesses named w1.example … wn.example, each with its own
// keys and SQLite state, following the logs of follow; it adds them to tr
// with the given quorum and returns their servers, closed when the test
// ends.
func Start(t testing.TB, follow, tr *keys.Trust, n, quorum int) []*httptest.Server {
	t.Helper()
	var srvs []*httptest.Server
	for i := 1; i <= n; i++ {
		ws, err := keys.GenerateWitnessSet(fmt.Sprintf("w%d.example", i), nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		st, err := witness.OpenStore(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		w, err := witness.New(witness.Config{Keys: ws, Trust: follow, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(w)
		t.Cleanup(srv.Close)
		srvs = append(srvs, srv)
		var vk []string
		for _, v := range ws.VKeys() {
			vk = append(vk, v.String())
		}
		tw, err := keys.NewTrustedWitness(ws.Name, srv.URL, vk)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.AddWitness(tw, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.SetWitnessPolicy(quorum, nil); err != nil {
		t.Fatal(err)
	}
	return srvs
}
