package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness/witnesstest"
)

// startWitnesses starts n witnesses on loopback that follow the registry's
// log and writes a trust file (the registry's keys plus the witnesses, with
// the quorum) to path; it returns the witnesses' servers.
func startWitnesses(t *testing.T, e *env, n, quorum int, path string) []*httptest.Server {
	t.Helper()
	reg, err := keys.LoadTrust(filepath.Join(e.srv.cfg.Data, "trust.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := keys.LoadTrust(filepath.Join(e.srv.cfg.Data, "trust.json"))
	if err != nil {
		t.Fatal(err)
	}
	srvs := witnesstest.Start(t, reg, tr, n, quorum)
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	return srvs
}

// TestWitnessedIssuance: three witnesses, quorum 2 of 3, one down. A label
// issued through the API carries the two cosignatures in its bundle and its
// .tlog-proof, the cosigned checkpoint is published under /log/, and the
// bundle verifies offline with the 2-of-3 trust file; under a 3-of-3 quorum
// it fails naming the witness that did not sign.
func TestWitnessedIssuance(t *testing.T) {
	e := newEnv(t)
	trustPath := filepath.Join(t.TempDir(), "witnessed-trust.json")
	srvs := startWitnesses(t, e, 3, 2, trustPath)
	srvs[2].Close() // w3 is down
	e.srv.cfg.Witnesses = []string{srvs[0].URL, srvs[1].URL, srvs[2].URL}
	e.srv.cfg.WitnessTrust, e.srv.cfg.WitnessBackoff = trustPath, 5*time.Millisecond

	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := e.register(tok, example(t, "smart-plug"))
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &issued), 201)
	var said []string
	for _, o := range issued.Witnesses {
		said = append(said, fmt.Sprintf("%s=%v", o.Witness, o.Cosigned))
	}
	if got := strings.Join(said, ","); got != "w1.example=true,w2.example=true,w3.example=false" {
		t.Fatalf("API answer on witnesses: %s", got)
	}

	resp := e.do("GET", "/p/"+issued.Label.ID+"/bundle.json", "", nil, "", nil)
	wantStatus(t, resp, 200)
	raw, _ := io.ReadAll(resp.Body)
	b, err := label.ParseBundle(raw, "bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	resp = e.do("GET", "/log/"+tlog.CosignedCheckpointFile, "", nil, "", nil)
	wantStatus(t, resp, 200)
	published, _ := io.ReadAll(resp.Body)
	if string(published) != b.Log.Checkpoint {
		t.Fatalf("published cosigned checkpoint\n%s\nis not the bundle's\n%s", published, b.Log.Checkpoint)
	}
	resp = e.do("GET", "/p/"+issued.Label.ID+"/proof.tlog-proof", "", nil, "", nil)
	wantStatus(t, resp, 200)
	proof, _ := io.ReadAll(resp.Body)
	parsed, err := tlog.ParseProof(proof, "label.tlog-proof")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		quorum int
		valid  bool
		detail string
	}{
		{"2 of 3", 2, true, "2 of 3 witnesses cosigned, 2 required"},
		{"3 of 3", 3, false, "w3.example (no ML-DSA-44 cosignature, no Ed25519 cosignature)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := keys.LoadTrust(trustPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetWitnessPolicy(tc.quorum, nil); err != nil {
				t.Fatal(err)
			}
			// offline: no log reader, only the bundle and the trust file
			r, err := label.Verify(context.Background(), b, label.Policy{Trust: tr})
			if err != nil {
				t.Fatal(err)
			}
			var d string
			for _, ch := range r.Checks {
				if ch.Name == label.CheckWitnesses {
					d = ch.Detail
				}
			}
			if r.Valid != tc.valid || !strings.Contains(d, tc.detail) {
				t.Fatalf("valid %v, witnesses check %q; failures %+v", r.Valid, d, r.Failures())
			}
			_, qerr := label.CheckWitnessQuorum(parsed.Checkpoint, tr, false)
			if (qerr == nil) != tc.valid {
				t.Fatalf(".tlog-proof quorum: %v", qerr)
			}
		})
	}
	if !bytes.Contains(proof, []byte("— w1.example")) || !bytes.Contains(proof, []byte("— w2.example")) || bytes.Contains(proof, []byte("— w3.example")) {
		t.Fatalf(".tlog-proof lacks the two cosignatures:\n%s", proof)
	}
}
