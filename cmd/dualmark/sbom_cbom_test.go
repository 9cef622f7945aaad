package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/pqc"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestSBOMConvertKeepsCBOM converts real CBOMs to CycloneDX 1.6 JSON and
// reads them back (strictly, against the schema): every asset's
// cryptoProperties, its purposes and the "provides" edges survive, and the
// post-quantum rating of the converted file is the original's.
func TestSBOMConvertKeepsCBOM(t *testing.T) {
	files := []string{}
	for _, f := range []string{"Algorithm", "Certificate", "Key", "Protocol", "Example-With-Dependencies"} {
		files = append(files, testdata.Path(t, "sbom/cyclonedx-bom-examples/CBOM/"+f+"/bom.json"))
	}
	files = append(files, "../../examples/home-router/cbom.cdx.json", "../../examples/smart-plug/cbom.cdx.json",
		testdata.Path(t, "sbom/cyclonedx-spec/test-resources/1.7/valid-cryptography-full-1.7.json"))
	on := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, src := range files {
		orig, err := sbom.ParseFile(src, sbom.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out.cdx.json")
		if code, _, errOut := runCaptured("sbom", "convert", src, "--to", sbom.TargetCycloneDX16JSON, "-o", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", src, code, errOut)
		}
		back, err := sbom.ParseFile(out, sbom.Options{Strict: true})
		if err != nil {
			t.Fatalf("%s: reading back: %v", src, err)
		}
		want, got := cryptoOf(orig), cryptoOf(back)
		if len(want) != len(got) {
			t.Errorf("%s: %d assets, %d after the conversion", src, len(want), len(got))
		}
		for i := range min(len(want), len(got)) {
			if want[i] != got[i] {
				t.Errorf("%s: asset %d:\n got %s\nwant %s", src, i, got[i], want[i])
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: no cryptographic assets read", src)
		}
		if !reflect.DeepEqual(back.Provides, orig.Provides) {
			t.Errorf("%s: provides %+v, want %+v", src, back.Provides, orig.Provides)
		}
		r1, err1 := pqc.CheckDocument(orig, "cbom", pqc.Options{On: on})
		r2, err2 := pqc.CheckDocument(back, "cbom", pqc.Options{On: on})
		if err1 != nil || err2 != nil || r1.Readiness != r2.Readiness || !reflect.DeepEqual(r1.Counts, r2.Counts) {
			t.Errorf("%s: rating changed by the conversion: %q %v / %q %v", src, r1.Readiness, r1.Counts, r2.Readiness, r2.Counts)
		}
	}
}

// cryptoOf lists the cryptographic assets of doc in order, as JSON.
func cryptoOf(doc *sbom.Document) []string {
	var out []string
	for i := range doc.Components {
		if a := doc.Components[i].X().Crypto; a != nil {
			b, _ := json.Marshal(a)
			out = append(out, doc.Components[i].Ref+" "+string(b))
		}
	}
	return out
}
