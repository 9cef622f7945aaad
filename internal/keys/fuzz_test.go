package keys

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzParseKeys feeds arbitrary bytes to the PEM key parsers and the trust
// file parser, seeded with real keys and a real trust file. They must never
// panic, and a parsed trust file must have keys that match their IDs.
func FuzzParseKeys(f *testing.F) {
	s, err := GenerateSet("Fuzz", "example.com/fuzz", nil, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range []*PrivateKey{s.LabelEd25519, s.LabelMLDSA65, s.LogMLDSA44} {
		p, _ := k.MarshalPEM()
		f.Add(p)
		f.Add(k.Public().PEM())
	}
	tr := &Trust{Version: TrustVersion}
	tr.AddSet(s, time.Now(), false)
	ws, _ := GenerateWitnessSet("witness.example/w1", nil, time.Now())
	var vk []string
	for _, v := range ws.VKeys() {
		vk = append(vk, v.String())
		f.Add([]byte(v.String()))
	}
	w, _ := NewTrustedWitness(ws.Name, "http://127.0.0.1:1", vk)
	tr.AddWitness(w, false)
	tr.SetWitnessPolicy(1, nil)
	path := f.TempDir() + "/trust.json"
	if err := tr.Save(path); err != nil {
		f.Fatal(err)
	}
	if t, err := LoadTrust(path); err == nil {
		data, _ := jsonMarshal(t)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ParsePrivatePEM(data)
		ParsePublicPEM(data)
		ParseSPKI(data)
		if v, err := ParseVKey(string(data)); err == nil && NoteKeyHash(v.Name, v.Type, v.Key.Raw) != v.Hash {
			t.Fatalf("verifier key %q parsed with a wrong key ID", data)
		}
		if tr, err := ParseTrust(data, "fuzz.json"); err == nil {
			for _, k := range tr.Keys {
				if k.Public().ID() != k.KeyID {
					t.Fatalf("key %s parsed with another ID", k.KeyID)
				}
				k.CheckAt(time.Now())
			}
			if tr.WitnessPolicy != nil && (tr.WitnessPolicy.Quorum < 1 || tr.WitnessPolicy.Quorum > len(tr.PolicyWitnesses())) {
				t.Fatalf("accepted an unmeetable or empty quorum %d", tr.WitnessPolicy.Quorum)
			}
		}
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
