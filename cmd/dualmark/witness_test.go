package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/witness"
)

// TestWitnessFlow runs the witness commands and the witnessed label flow
// through the CLI with three loopback witnesses (one down at first): issue
// with 2 of 3, verify under 2-of-3 and 3-of-3, cosign again with all three,
// and a forked log copy that the witnesses refuse.
func TestWitnessFlow(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	// The fixture assessment does not conform, so every issue step needs
	// --allow-nonconforming (issue 10: no label for a negative verdict).
	assessment := "../../internal/label/testdata/assessment.json"
	handlers := make([]http.Handler, 3)
	var urls []string
	for i := range handlers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if handlers[i] == nil {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			handlers[i].ServeHTTP(w, r)
		}))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	start := func(i int) {
		ws, err := keys.LoadWitnessSet(p(fmt.Sprintf("wk%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := keys.LoadTrust(p("trust.json"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := witness.OpenStore(p(fmt.Sprintf("w%d.db", i)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		w, err := witness.New(witness.Config{Keys: ws, Trust: tr, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		handlers[i] = w
	}
	wargs := []string{"--trust", p("trust.json"), "--witness", urls[0], "--witness", urls[1], "--witness", urls[2]}
	type step struct {
		name string
		args []string
		want int
	}
	steps := []step{
		{"generate log keys", []string{"keys", "generate", "--out", p("k"), "--issuer", "Acme", "--origin", "example.com/acme", "--trust", p("trust.json")}, 0},
	}
	for i := range 3 {
		steps = append(steps, step{"witness keys", []string{"witness", "keys", "generate", "--out", p(fmt.Sprintf("wk%d", i)), "--name", fmt.Sprintf("w%d.example", i), "--trust", p("trust.json"), "--url", urls[i]}, 0})
	}
	steps = append(steps,
		step{"witness keys twice", []string{"witness", "keys", "public", p("wk0"), "--trust", p("trust.json"), "--url", urls[0]}, 2},
		step{"witness keys public", []string{"witness", "keys", "public", p("wk0")}, 0},
		step{"quorum too large", []string{"witness", "policy", "--trust", p("trust.json"), "--quorum", "4"}, 2},
		step{"quorum", []string{"witness", "policy", "--trust", p("trust.json"), "--quorum", "2"}, 0},
		step{"serve without flags", []string{"witness", "serve", "--keys", p("wk0")}, 2},
		step{"issue: --witness without --trust", []string{"label", "issue", assessment, "--allow-nonconforming", "--keys", p("k"), "--log", p("log"), "--out", p("x.json"), "--witness", urls[0]}, 2},
		step{"issue: unknown witness URL", []string{"label", "issue", assessment, "--allow-nonconforming", "--keys", p("k"), "--log", p("log"), "--out", p("x.json"), "--trust", p("trust.json"), "--witness", "http://127.0.0.1:9"}, 2},
	)
	for _, s := range steps {
		if got := run(s.args); got != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	start(0)
	start(1) // w2 stays down
	steps = []step{
		{"issue, 2 of 3 witnesses up", append([]string{"label", "issue", assessment, "--allow-nonconforming", "--keys", p("k"), "--log", p("log"), "--out", p("a.label.json")}, wargs...), 0},
		{"verify 2-of-3", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--log", p("log")}, 0},
		{"3-of-3", []string{"witness", "policy", "--trust", p("trust.json"), "--quorum", "3"}, 0},
		{"verify 3-of-3 fails", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json")}, 1},
		{"label witness, w2 still down", append([]string{"label", "witness", p("a.label.json"), "--log", p("log")}, wargs...), 1},
	}
	for _, s := range steps {
		if got := run(s.args); got != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	start(2)
	steps = []step{
		{"label witness, all up", append([]string{"label", "witness", p("a.label.json"), "--log", p("log")}, wargs...), 0},
		{"verify 3-of-3", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--json"}, 0},
		{"forked log copy: witnesses refuse", append([]string{"label", "issue", assessment, "--allow-nonconforming", "--keys", p("k"), "--log", p("forklog"), "--out", p("f.label.json"), "--firmware", p("trust.json")}, wargs...), 1},
		{"forked bundle fails", []string{"label", "verify", p("f.label.json"), "--trust", p("trust.json")}, 1},
		{"status", []string{"witness", "status", "--state", p("w0.db"), "--json"}, 0},
		{"status of a missing file", []string{"witness", "status", "--state", p("none.db")}, 2},
	}
	for _, s := range steps {
		if got := run(s.args); got != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	b, err := label.ReadBundle(p("a.label.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.Log.Checkpoint, "\n— w"); n != 6 {
		t.Fatalf("bundle checkpoint has %d witness cosignatures, want 6 (3 witnesses × ML-DSA-44 + Ed25519)", n)
	}
	pub, err := os.ReadFile(p("log/checkpoint.cosigned"))
	if err != nil || !bytes.Contains(pub, []byte("— w2.example ")) {
		t.Fatalf("published cosigned checkpoint: %v\n%s", err, pub)
	}
}
