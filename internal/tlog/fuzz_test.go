package tlog

import (
	"encoding/base64"
	"testing"

	"github.com/dualmark/dualmark/internal/keys"
)

// FuzzOpenCheckpoint feeds arbitrary notes to the checkpoint parser and
// verifier, seeded with the C2SP spec examples and a real dualmark
// checkpoint; it must never panic, and must never accept a note that was
// not signed by the trusted keys.
func FuzzOpenCheckpoint(f *testing.F) {
	s, err := keys.GenerateSet("Fuzz", "example.com/fuzz", nil, testNow)
	if err != nil {
		f.Fatal(err)
	}
	tr := &keys.Trust{Version: keys.TrustVersion}
	if err := tr.AddSet(s, testNow, false); err != nil {
		f.Fatal(err)
	}
	ed, ml, _ := Signers(s)
	text := []byte("example.com/fuzz\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
	signed, err := signNote(text, ed, ml)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"))
	f.Add([]byte("example.com/fuzz\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"))
	f.Fuzz(func(t *testing.T, note []byte) {
		// Only the text the trusted keys signed can be accepted.
		if cp, err := OpenCheckpoint(note, tr, false); err == nil {
			if cp.Origin != "example.com/fuzz" || cp.Size != 3 || base64.StdEncoding.EncodeToString(cp.Root) != "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=" {
				t.Fatalf("accepted a checkpoint the trusted keys did not sign: %q", note)
			}
		}
		ParseCheckpointText(note)
	})
}
