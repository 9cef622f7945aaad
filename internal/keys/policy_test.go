package keys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVKeyRoundTrip parses the verifier keys of a witness set back and
// refuses altered ones, naming what is wrong.
func TestVKeyRoundTrip(t *testing.T) {
	ws, err := GenerateWitnessSet("witness.example/w1", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ws.VKeys() {
		got, err := ParseVKey(v.String())
		if err != nil || got.Hash != v.Hash || got.Type != v.Type || got.Key.ID() != v.Key.ID() {
			t.Fatalf("%s: %v", v, err)
		}
	}
	good := ws.VKeys()[1].String()
	for _, tc := range []struct{ in, want string }{
		{"other.example" + good[strings.Index(good, "+"):], "does not match the key"},
		{strings.Replace(good, "+", "+0", 1), "want name+hex8+base64"},
		{"a b+01234567+AA==", "key name"},
		{"w+01234567+BQAAAA==", "signature type 0x05 is not supported"},
		{"w+0123456z+BAAA", "not 8 hex digits"},
	} {
		if _, err := ParseVKey(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestWitnessPolicy writes a trust file with witnesses and a 2-of-3 policy,
// loads it back, and checks the version rule and the validation errors.
func TestWitnessPolicy(t *testing.T) {
	s, _ := GenerateSet("Acme", "example.com/log", nil, time.Now())
	tr := &Trust{Version: TrustVersion}
	tr.AddSet(s, time.Now(), false)
	var names []string
	for i := 1; i <= 3; i++ {
		ws, _ := GenerateWitnessSet("w"+string(rune('0'+i))+".example", nil, time.Now())
		var vk []string
		for _, v := range ws.VKeys() {
			vk = append(vk, v.String())
		}
		w, err := NewTrustedWitness(ws.Name, "http://127.0.0.1:1/"+ws.Name, vk)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.AddWitness(w, false); err != nil {
			t.Fatal(err)
		}
		names = append(names, ws.Name)
	}
	if err := tr.AddWitness(&tr.Witnesses[0], false); err == nil {
		t.Fatal("a witness was added twice")
	}
	if err := tr.SetWitnessPolicy(4, nil); err == nil || !strings.Contains(err.Error(), "want 1..3") {
		t.Fatalf("quorum 4 of 3: %v", err)
	}
	if err := tr.SetWitnessPolicy(2, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trust.json")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadTrust(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != TrustVersionWitnessed || got.WitnessPolicy.Quorum != 2 || len(got.PolicyWitnesses()) != 3 || len(got.Witness(names[1]).Keys()) != 2 {
		t.Fatalf("loaded %+v", got)
	}
	data := mustJSON(t, got)
	for _, tc := range []struct{ from, to, want string }{
		{`"version": 2`, `"version": 1`, "/version must be 2 when /witnessPolicy is set"},
		{`"quorum": 2`, `"quorum": 0`, "/witnessPolicy/quorum 0: want 1..3"},
		{`"name": "w2.example"`, `"name": "w1.example"`, "/witnesses/1/vkeys/0: key name \"w2.example\" is not the witness name \"w1.example\""},
	} {
		bad := strings.Replace(data, tc.from, tc.to, 1)
		if _, err := ParseTrust([]byte(bad), "t.json"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func mustJSON(t *testing.T, tr *Trust) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.json")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := readTrustBytes(path)
	return string(data)
}

// readTrustBytes returns a saved trust file's bytes.
func readTrustBytes(path string) ([]byte, error) { return os.ReadFile(path) }
