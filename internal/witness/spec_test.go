package witness

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/tlog"
)

// specExample returns the indented example block that follows the line
// `after` in a staged C2SP spec, de-indented, with a final newline.
func specExample(t testing.TB, file, after string) []byte {
	t.Helper()
	data, err := os.ReadFile(testdata.Path(t, filepath.Join("specs/c2sp", file)))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), after+"\n")
	if !ok {
		t.Fatalf("%s: no %q", file, after)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimLeft(rest, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "    ") {
			break
		}
		out = append(out, strings.TrimPrefix(l, "    "))
	}
	return []byte(strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n")
}

// TestParseSpecRequest parses the example add-checkpoint body of
// c2sp.org/tlog-witness and the example response lines.
func TestParseSpecRequest(t *testing.T) {
	body := specExample(t, "tlog-witness.md", "Example request body:")
	r, err := ParseRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	if r.OldSize != 20852014 || len(r.Proof) != 4 {
		t.Fatalf("old %d, %d proof lines", r.OldSize, len(r.Proof))
	}
	if !bytes.Equal(r.Marshal(), body) {
		t.Fatalf("re-encoded body differs:\n%s", r.Marshal())
	}
	text, sigs, err := tlog.SplitNote(r.Checkpoint)
	if err != nil || len(sigs) != 2 || sigs[0].Name != "example.com/behind-the-sofa" {
		t.Fatalf("checkpoint: %v %+v", err, sigs)
	}
	cp, err := tlog.ParseCheckpointText(text)
	if err != nil || cp.Size != 20852163 {
		t.Fatalf("checkpoint text: %v %+v", err, cp)
	}
	resp := specExample(t, "tlog-witness.md", "Example response body:")
	merged, err := tlog.AddSignatures(r.Checkpoint, resp)
	if err != nil {
		t.Fatal(err)
	}
	if _, sigs, _ := tlog.SplitNote(merged); len(sigs) != 5 {
		t.Fatalf("checkpoint + response has %d signatures, want 5", len(sigs))
	}
	// The staged example is for a log the witness does not follow: 404.
	f := newFixture(t)
	w, _ := newWitness(t, f, "witness.example/w1", filepath.Join(t.TempDir(), "w.db"))
	if _, err := w.AddCheckpoint(context.Background(), body); err == nil || err.(*Error).Status != 404 {
		t.Fatalf("spec example: %v, want 404", err)
	}
}

// TestParseRequestErrors names the line of each malformed request.
func TestParseRequestErrors(t *testing.T) {
	cp := "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.com/log AAAA\n"
	for _, tc := range []struct{ body, want string }{
		{"old 1\n" + cp, "line 2: consistency proof"},
		{"old 01\n\n" + cp, "line 1: old size \"01\""},
		{"new 1\n\n" + cp, "line 1: want \"old <size>\""},
		{"old 1\nnot-base64\n\n" + cp, "line 2: consistency proof"},
		{"old 1\n" + strings.Repeat("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 64) + "\n" + cp, "line 65: more than 63"},
		{"no blank line", "no empty line"},
	} {
		_, err := ParseRequest([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", clip(tc.body), err, tc.want)
		}
	}
}

// FuzzAddCheckpoint feeds arbitrary bodies to the witness: it must answer
// with a status, never panic, and never cosign a body that is not a
// well-formed request.
func FuzzAddCheckpoint(f *testing.F) {
	f.Add(specExample(f, "tlog-witness.md", "Example request body:"))
	fx := newFixture(f)
	main := history(9, 9, "main")
	f.Add(body(f, fx, main, 0, 3))
	f.Add(body(f, fx, main, 3, 9))
	w, _ := newWitness(f, fx, "witness.example/w1", filepath.Join(f.TempDir(), "w.db"))
	w.AddCheckpoint(context.Background(), body(f, fx, main, 0, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := w.AddCheckpoint(context.Background(), data)
		if err == nil {
			if _, perr := ParseRequest(data); perr != nil || len(lines) == 0 {
				t.Fatalf("cosigned a malformed request: %v", perr)
			}
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("error without a status: %v", err)
		}
	})
}
