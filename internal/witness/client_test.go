package witness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/tlog"
)

// TestCosignQuorumWithOneDown submits checkpoints to three loopback
// witnesses, one of which is down: the other two cosign, the down one is
// retried a bounded number of times, and a later checkpoint goes through the
// 409 → consistency-proof path for a fresh client.
func TestCosignQuorumWithOneDown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, eps := servedWitnesses(t, f, 2)
	down := httptest.NewServer(nil)
	downURL := down.URL
	down.Close()
	_, spare := servedWitnesses(t, f, 1)
	eps = append(eps, Endpoint{Name: "down.example", URL: downURL, Keys: spare[0].Keys})
	main := history(30, 30, "main")

	cases := []struct {
		name   string
		client *Client
		size   uint64
	}{
		{"first checkpoint", &Client{Backoff: 5 * time.Millisecond}, 10},
		{"next checkpoint, same client (sizes remembered)", nil, 20},
		{"fresh client learns sizes from 409", &Client{Backoff: 5 * time.Millisecond}, 30},
	}
	var c *Client
	for _, tc := range cases {
		if tc.client != nil {
			c = tc.client
		}
		start := time.Now()
		cosigned, outs, err := c.Cosign(ctx, f.checkpoint(t, main, tc.size), eps, proofsOf(main), 0)
		if err != nil {
			t.Fatal(err)
		}
		if outs[2].Cosigned || outs[2].Attempts != 3 || outs[2].Error == "" {
			t.Fatalf("%s: down witness: %+v", tc.name, outs[2])
		}
		for _, o := range outs[:2] {
			if !o.Cosigned {
				t.Fatalf("%s: %s did not cosign: %s", tc.name, o.Witness, o.Error)
			}
		}
		for _, ep := range eps[:2] {
			cs, err := tlog.VerifyCosignatures(cosigned, ep.Keys)
			if err != nil || !cs[0].Valid || !cs[1].Valid {
				t.Fatalf("%s: cosignatures of %s: %v %+v", tc.name, ep.Name, err, cs)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: took %v with one witness down", tc.name, d)
		}
	}
	// A checkpoint older than what the witnesses hold: they are ahead.
	_, outs, _ := c.Cosign(ctx, f.checkpoint(t, main, 25), eps[:2], proofsOf(main), 0)
	if outs[0].Cosigned || outs[0].Ahead != 30 {
		t.Fatalf("older checkpoint: %+v, want ahead = 30", outs[0])
	}
}

// TestCosignRejectsForeignCosignature: a witness whose answer does not
// verify against the keys the log was given counts as not cosigned.
func TestCosignRejectsForeignCosignature(t *testing.T) {
	f := newFixture(t)
	_, eps := servedWitnesses(t, f, 2)
	eps[0].Keys = eps[1].Keys // wrong keys for witness 1
	main := history(4, 4, "main")
	cosigned, outs, err := (&Client{}).Cosign(context.Background(), f.checkpoint(t, main, 4), eps, proofsOf(main), 0)
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Cosigned || !outs[1].Cosigned {
		t.Fatalf("outcomes %+v", outs)
	}
	if _, sigs, _ := tlog.SplitNote(cosigned); len(sigs) != 4 {
		t.Fatalf("cosigned checkpoint has %d signatures, want 2 log + 2 witness", len(sigs))
	}
}

// TestCosignHangingWitness: once the quorum has cosigned, a witness that
// hangs costs only the grace period, not its timeout.
func TestCosignHangingWitness(t *testing.T) {
	f := newFixture(t)
	_, eps := servedWitnesses(t, f, 2)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	eps = append(eps, Endpoint{Name: "hang.example", URL: hang.URL, Keys: eps[0].Keys})
	main := history(4, 4, "main")
	c := &Client{Timeout: 10 * time.Second, Grace: 50 * time.Millisecond}
	start := time.Now()
	_, outs, err := c.Cosign(context.Background(), f.checkpoint(t, main, 4), eps, proofsOf(main), 2)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second || !outs[0].Cosigned || !outs[1].Cosigned || outs[2].Cosigned {
		t.Fatalf("took %v; outcomes %+v", d, outs)
	}
}
