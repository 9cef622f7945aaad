package tlog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/testdata"
)

func testWitnessKeys(t testing.TB) *keys.WitnessSet {
	t.Helper()
	ws, err := keys.GenerateWitnessSet("witness.example.com/w1", nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestCosignatures cosigns a real dualmark checkpoint with both witness key
// types and checks what VerifyCosignatures reports for valid, missing,
// tampered and foreign cosignatures.
func TestCosignatures(t *testing.T) {
	s := testSet(t)
	ed, ml, _ := Signers(s)
	text := []byte(s.LogOrigin + "\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
	signed, err := signNote(text, ed, ml)
	if err != nil {
		t.Fatal(err)
	}
	ws, other := testWitnessKeys(t), testWitnessKeys(t)
	at := time.Unix(1679315147, 0)
	var lines []byte
	for _, k := range []*keys.PrivateKey{ws.MLDSA44, ws.Ed25519} {
		c, err := NewCosigner(ws.Name, k)
		if err != nil {
			t.Fatal(err)
		}
		l, err := SignatureLineFor(WithClock(c, func() time.Time { return at }), text)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l...)
	}
	cosigned, err := AddSignatures(signed, lines)
	if err != nil {
		t.Fatal(err)
	}
	// The log's own verification ignores the witness lines.
	if _, err := OpenCheckpoint(cosigned, testTrust(t, s), false); err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(cosigned, []byte("\n3\n"), []byte("\n4\n"), 1)
	for _, tc := range []struct {
		name  string
		note  []byte
		vkeys []*keys.VKey
		want  string // per key: V valid, I found but invalid, M missing
	}{
		{"cosigned", cosigned, ws.VKeys(), "VV"},
		{"not cosigned", signed, ws.VKeys(), "MM"},
		{"other text", tampered, ws.VKeys(), "II"},
		{"other witness", cosigned, other.VKeys(), "MM"},
	} {
		cs, err := VerifyCosignatures(tc.note, tc.vkeys)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, c := range cs {
			switch {
			case c.Valid:
				got += "V"
				if !c.Time.Equal(at) {
					t.Errorf("%s: %s time %v", tc.name, c.Algorithm(), c.Time)
				}
			case c.Found:
				got += "I"
			default:
				got += "M"
			}
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Adding the same lines again changes nothing.
	again, _ := AddSignatures(cosigned, lines)
	if !bytes.Equal(again, cosigned) {
		t.Fatal("AddSignatures duplicated lines")
	}
}

// TestCosignatureV1Message pins the Ed25519 signed message to the example
// in the staged c2sp.org/tlog-cosignature.
func TestCosignatureV1Message(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "specs/c2sp/tlog-cosignature.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "    cosignature/v1\n    time 1679315147\n    example.com/behind-the-sofa\n    20852163\n    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	if !strings.Contains(string(data), want) {
		t.Fatal("the staged spec no longer has the cosignature/v1 example this test pins")
	}
	text := "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	if got := string(cosignatureV1Message(1679315147, []byte(text))); got != strings.ReplaceAll(want, "    ", "") {
		t.Fatalf("message:\n%s", got)
	}
}

// TestProof round-trips a tlog-proof and parses the staged spec example,
// whose signatures are elided ("[...]") and so must be refused with the
// place named.
func TestProof(t *testing.T) {
	p := &Proof{Extra: []byte("x"), Index: 7, Hashes: [][]byte{make([]byte, 32), bytes.Repeat([]byte{1}, 32)},
		Checkpoint: []byte("example.com/log\n9\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/log AAAAAAAA\n")}
	got, err := ParseProof(p.Marshal(), "p.tlog-proof")
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 7 || len(got.Hashes) != 2 || string(got.Extra) != "x" || !bytes.Equal(got.Checkpoint, p.Checkpoint) {
		t.Fatalf("round trip: %+v", got)
	}
	data, err := os.ReadFile(testdata.Path(t, "specs/c2sp/tlog-proof.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), "```\n")
	example, _, _ := strings.Cut(rest, "```\n")
	_, err = ParseProof([]byte(example), "spec.tlog-proof")
	if err == nil || !strings.Contains(err.Error(), "spec.tlog-proof: checkpoint: signed note line 5") {
		t.Fatalf("spec example: %v", err)
	}
	for _, tc := range []struct{ in, want string }{
		{"c2sp.org/tlog-proof@v2\nindex 1\n\n" + string(p.Checkpoint), "p:1:"},
		{ProofHeader + "\nindex 01\n\n" + string(p.Checkpoint), "p:2: index"},
		{ProofHeader + "\nindex 1\nAAAA\n\n" + string(p.Checkpoint), "p:3: inclusion proof"},
		{ProofHeader + "\nextra !!\nindex 1\n\n" + string(p.Checkpoint), "p:2: extra"},
	} {
		if _, err := ParseProof([]byte(tc.in), "p"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in[:30], err, tc.want)
		}
	}
}

// FuzzNotes feeds arbitrary bytes to the note, signature-line and proof
// parsers and to cosignature verification; none may panic, and a note that
// verifies must keep verifying after AddSignatures of nothing.
func FuzzNotes(f *testing.F) {
	for _, file := range []string{"tlog-witness.md", "tlog-cosignature.md", "tlog-proof.md"} {
		if data, err := os.ReadFile(filepath.Join(testdata.Dir(), "specs/c2sp", file)); err == nil {
			for _, block := range strings.Split(string(data), "```") {
				f.Add([]byte(strings.TrimPrefix(block, "\n")))
			}
		}
	}
	ws := testWitnessKeys(f)
	f.Add([]byte("example.com/x\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— witness.example.com/w1 AAAAAAAAAAAAAAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseProof(data, "fuzz")
		ParseSignatureLine(string(data))
		if _, err := VerifyCosignatures(data, ws.VKeys()); err == nil {
			if _, err := AddSignatures(data, nil); err != nil {
				t.Fatalf("a note SplitNote accepts is refused by AddSignatures: %v", err)
			}
		}
	})
}
