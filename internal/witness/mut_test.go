package witness

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// TestAddCheckpointMutations runs 20,000 deterministic mutations of real
// requests (the spec example and two signed dualmark checkpoints) through
// the witness: none may panic or take long, and only a well-formed request
// may be cosigned. It complements FuzzAddCheckpoint, whose runs spend long
// stretches minimising (each try verifies ML-DSA signatures).
func TestAddCheckpointMutations(t *testing.T) {
	fx := newFixture(t)
	main := history(9, 9, "main")
	seeds := [][]byte{specExample(t, "tlog-witness.md", "Example request body:"), body(t, fx, main, 0, 3), body(t, fx, main, 3, 9)}
	w, _ := newWitness(t, fx, "witness.example/w1", filepath.Join(t.TempDir(), "w.db"))
	if _, err := w.AddCheckpoint(context.Background(), body(t, fx, main, 0, 3)); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	cosigned := 0
	for i := 0; i < 20000; i++ {
		in := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for range 1 + r.IntN(4) {
			p := r.IntN(len(in))
			switch r.IntN(3) {
			case 0:
				in[p] = byte(r.IntN(256))
			case 1:
				in = append(in[:p], in[min(len(in), p+1+r.IntN(8)):]...)
			case 2:
				in = append(in[:p], append([]byte{byte(r.IntN(256)), '\n'}, in[p:]...)...)
			}
			if len(in) == 0 {
				in = []byte{0}
			}
		}
		t0 := time.Now()
		lines, err := w.AddCheckpoint(context.Background(), in)
		if d := time.Since(t0); d > 2*time.Second {
			t.Fatalf("mutation %d took %v: %q", i, d, in)
		}
		if err == nil {
			cosigned++
			if _, perr := ParseRequest(in); perr != nil || len(lines) == 0 {
				t.Fatalf("mutation %d cosigned a malformed request: %v", i, perr)
			}
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("mutation %d: error without a status: %v", i, err)
		}
	}
	t.Logf("%d of 20000 mutations still cosigned (changes outside the signed text)", cosigned)
}
