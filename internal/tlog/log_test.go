package tlog

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"golang.org/x/mod/sumdb/note"
)

func testSet(t testing.TB) *keys.Set {
	t.Helper()
	s, err := keys.GenerateSet("Test Issuer", "example.com/dualmark-test", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testTrust(t testing.TB, s *keys.Set) *keys.Trust {
	t.Helper()
	tr := &keys.Trust{Version: keys.TrustVersion}
	if err := tr.AddSet(s, time.Now().Add(-time.Hour), false); err != nil {
		t.Fatal(err)
	}
	return tr
}

func init() { QuietLibraryLogs() }

// TestAppendReopen appends across separate open/close cycles, as the CLI
// does, and checks every inclusion proof and the consistency of every pair
// of checkpoints seen along the way.
func TestAppendReopen(t *testing.T) {
	ctx := context.Background()
	s := testSet(t)
	tr := testTrust(t, s)
	dir := t.TempDir()
	var cps []*Checkpoint
	var data [][]byte
	for i := 0; i < 6; i++ {
		start := time.Now()
		l, err := Open(ctx, dir, s)
		if err != nil {
			t.Fatal(err)
		}
		// Several entries per session, queued together.
		var waits []func() (*Entry, error)
		for j := 0; j < 1+i*7; j++ {
			d := []byte(fmt.Sprintf("entry %d/%d", i, j))
			data = append(data, d)
			waits = append(waits, l.Add(ctx, d))
		}
		var last *Entry
		for _, w := range waits {
			e, err := w()
			if err != nil {
				t.Fatal(err)
			}
			cp, err := OpenCheckpoint(e.Checkpoint, tr, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(cp, e.Index, data[e.Index], e.Proof); err != nil {
				t.Fatal(err)
			}
			last = e
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("session %d: %d entries in %v", i, len(waits), time.Since(start))
		cp, _ := OpenCheckpoint(last.Checkpoint, tr, false)
		cps = append(cps, cp)
	}
	r := NewReader(dir)
	for i := range cps {
		for j := i; j < len(cps); j++ {
			p, err := r.ConsistencyProof(ctx, cps[i].Size, cps[j].Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(cps[i], cps[j], p); err != nil {
				t.Fatal(err)
			}
			if j > i && cps[j].Size > cps[i].Size {
				forged := *cps[j]
				forged.Root = bytes.Repeat([]byte{1}, 32)
				if err := VerifyConsistency(cps[i], &forged, p); err == nil {
					t.Fatal("consistency with a forged root accepted")
				}
			}
		}
	}
	n := 0
	if err := r.Entries(ctx, 0, cps[len(cps)-1].Size, func(i uint64, d []byte) bool {
		if !bytes.Equal(d, data[i]) {
			t.Errorf("entry %d = %q, want %q", i, d, data[i])
		}
		n++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(data) {
		t.Fatalf("read %d entries, want %d", n, len(data))
	}
}

func TestCheckpointSignatures(t *testing.T) {
	ctx := context.Background()
	s := testSet(t)
	tr := testTrust(t, s)
	dir := t.TempDir()
	l, err := Open(ctx, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(ctx, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	l.Close(ctx)
	text, sigs, _ := bytes.Cut(e.Checkpoint, []byte("\n\n"))
	lines := bytes.Split(bytes.TrimSuffix(sigs, []byte("\n")), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("want 2 signature lines, got %d:\n%s", len(lines), e.Checkpoint)
	}
	only := func(i int) []byte {
		return append(append(append([]byte{}, text...), "\n\n"...), append(lines[i], '\n')...)
	}
	other := testTrust(t, testSet(t))
	for _, tc := range []struct {
		name      string
		note      []byte
		trust     *keys.Trust
		classical bool
		want      string
	}{
		{"both", e.Checkpoint, tr, false, ""},
		{"ed25519 only", only(0), tr, false, "no valid ML-DSA-44 signature"},
		{"ed25519 only, classical allowed", only(0), tr, true, ""},
		{"ml-dsa only", only(1), tr, false, "no valid Ed25519 signature"},
		{"tampered size", bytes.Replace(e.Checkpoint, []byte("\n1\n"), []byte("\n2\n"), 1), tr, false, "does not verify"},
		{"other keys, same origin", e.Checkpoint, other, false, "no signature from a trusted key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenCheckpoint(tc.note, tc.trust, tc.classical)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

var testNow = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

// signNote signs a note text with the given signers (test helper).
func signNote(text []byte, signers ...note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: string(text)}, signers...)
}

// TestConsistencyAcrossTiles appends 700 entries in waves, so published
// checkpoints land on both sides of the 256-entry tile boundaries, and
// checks consistency proofs between every pair of checkpoints seen and
// inclusion of sampled entries in the final tree.
func TestConsistencyAcrossTiles(t *testing.T) {
	ctx := context.Background()
	s := testSet(t)
	tr := testTrust(t, s)
	dir := t.TempDir()
	l, err := Open(ctx, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]*Checkpoint{}
	for wave := 0; wave < 7; wave++ {
		var waits []func() (*Entry, error)
		for j := 0; j < 100; j++ {
			waits = append(waits, l.Add(ctx, []byte(fmt.Sprintf("w%d e%d", wave, j))))
		}
		for _, w := range waits {
			e, err := w()
			if err != nil {
				t.Fatal(err)
			}
			cp, err := OpenCheckpoint(e.Checkpoint, tr, false)
			if err != nil {
				t.Fatal(err)
			}
			seen[cp.Size] = cp
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 5 {
		t.Fatalf("only %d distinct checkpoints", len(seen))
	}
	r := NewReader(dir)
	pairs := 0
	for _, a := range seen {
		for _, b := range seen {
			if a.Size > b.Size {
				continue
			}
			p, err := r.ConsistencyProof(ctx, a.Size, b.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(a, b, p); err != nil {
				t.Fatal(err)
			}
			pairs++
		}
	}
	last := seen[700]
	if last == nil {
		t.Fatal("no checkpoint of size 700")
	}
	for _, i := range []uint64{0, 255, 256, 511, 512, 699} {
		p, err := r.InclusionProof(ctx, i, 700)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(last, i, []byte(fmt.Sprintf("w%d e%d", i/100, i%100)), p); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d checkpoints, %d consistency proofs verified", len(seen), pairs)
}
