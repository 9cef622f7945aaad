package label

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// FuzzVerifyBundle decodes and verifies arbitrary bundles, seeded with a
// real issued bundle. It must never panic, and never accept a bundle whose
// envelope differs from the one the fixture keys signed.
func FuzzVerifyBundle(f *testing.F) {
	fx := newFixture(f)
	orig := fx.bundle.Marshal()
	f.Add(orig)
	f.Add([]byte(`{"mediaType":"` + BundleMediaType + `"}`))
	f.Add([]byte(`{}`))
	leaf := LeafData(&fx.bundle.Envelope)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data, "fuzz.json")
		if err != nil {
			return
		}
		r, err := Verify(context.Background(), b, Policy{Trust: fx.trust})
		if err == nil && r.Valid && !bytes.Equal(LeafData(&b.Envelope), leaf) {
			t.Fatalf("accepted a bundle with another envelope:\n%s", data)
		}
		Card(b, "https://registry.example.com/l")
	})
}

// FuzzSummarize feeds arbitrary assessment JSON to the summariser, seeded
// with the test assessment; it must never panic and must only succeed with
// a product name and known verdicts.
func FuzzSummarize(f *testing.F) {
	seed, err := os.ReadFile("testdata/assessment.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"product":{"name":"x","manufacturer":"m"},"regimes":{"cra":{"verdict":"incomplete"}},"supportPeriodEnd":"2030-01-01"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Summarize(data, "fuzz.json")
		if err != nil {
			return
		}
		if s.Product.Name == "" || len(s.Regimes) == 0 {
			t.Fatalf("accepted without name or verdicts: %q", data)
		}
		for id, v := range s.Regimes {
			if !knownVerdicts[v.Verdict] {
				t.Fatalf("unknown verdict %q for %s", v.Verdict, id)
			}
		}
	})
}
