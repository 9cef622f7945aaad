package sbom

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// cryptoKey renders the crypto facts of one component in one line.
func cryptoKey(c *Component) string {
	a := c.X().Crypto
	if a == nil {
		return c.Name + ": -"
	}
	s := c.Name + ": " + a.AssetType
	if g := a.Algorithm; g != nil {
		s += fmt.Sprintf(" prim=%s ps=%s mode=%s curve=%s fam=%s", g.Primitive, g.ParameterSetIdentifier, g.Mode, g.Curve, g.Family)
		if g.NISTQuantumSecurityLevel != nil {
			s += fmt.Sprintf(" nql=%d", *g.NISTQuantumSecurityLevel)
		}
		if g.ClassicalSecurityLevel != nil {
			s += fmt.Sprintf(" csl=%d", *g.ClassicalSecurityLevel)
		}
	}
	if m := a.Material; m != nil {
		s += " material=" + m.Type + " alg=" + m.AlgorithmRef
		if m.Size != nil {
			s += fmt.Sprintf(" size=%d", *m.Size)
		}
	}
	if p := a.Protocol; p != nil {
		s += fmt.Sprintf(" proto=%s %s suites=%d refs=%d", p.Type, p.Version, len(p.CipherSuites), len(p.CryptoRefs))
	}
	if x := a.Certificate; x != nil {
		s += " sig=" + x.SignatureAlgorithmRef
	}
	if a.OID != "" {
		s += " oid=" + a.OID
	}
	return s
}

// TestReadCBOMExamples reads the CycloneDX CBOM examples and the 1.6/1.7
// cryptography test resources of the specification.
func TestReadCBOMExamples(t *testing.T) {
	for _, c := range []struct {
		file     string
		assets   int
		want     []string // substrings of cryptoKey lines, in order of appearance
		warnings []string // substrings of warnings
	}{
		{"sbom/cyclonedx-bom-examples/CBOM/Algorithm/bom.json", 2, []string{
			"AES-128-GCM: algorithm prim=ae ps=128 mode=gcm curve= fam= nql=1 csl=128 oid=2.16.840.1.101.3.4.1.6",
			"SHA512withRSA: algorithm prim=signature ps=512 mode= curve= fam= nql=0 oid=1.2.840.113549.1.1.13"}, nil},
		{"sbom/cyclonedx-bom-examples/CBOM/Key/bom.json", 3, []string{
			"RSA-2048: related-crypto-material material=public-key alg=crypto/algorithm/rsa-2048@1.2.840.113549.1.1.1 size=2048"}, nil},
		{"sbom/cyclonedx-bom-examples/CBOM/Protocol/bom.json", 8, []string{
			"TLSv1.2: protocol proto=tls 1.2 suites=1 refs=1", "ECDH: algorithm prim= ps= mode= curve=curve25519"}, nil},
		{"sbom/cyclonedx-bom-examples/CBOM/Certificate/bom.json", 4, []string{
			"google.com: certificate sig=crypto/algorithm/sha-512-rsa@1.2.840.113549.1.1.13"}, nil},
		{"sbom/cyclonedx-bom-examples/CBOM/Example-With-Dependencies/bom.json", 1, []string{"AES: algorithm prim=ae ps=128 mode=gcm"}, nil},
		// the spec's test resource points at refs that do not exist
		{"sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-full-1.6.json", 4, []string{
			"Name here: algorithm prim=ae ps=128 mode=gcm curve=brainpoolP160r1", "Name here: protocol proto=tls 1.3 suites=1 refs=6"},
			[]string{`certificateProperties/signatureAlgorithmRef: Name here: ref "bom-ref-to-algorithm" names no component`}},
		{"sbom/cyclonedx-spec/test-resources/1.7/valid-cryptography-full-1.7.json", -1, nil, nil},
		// the XML reader reads the same properties
		{"sbom/cyclonedx-spec/test-resources/1.6/valid-cryptography-full-1.6.xml", 4, []string{
			"Name here: algorithm prim=ae ps=128 mode=gcm curve=brainpoolP160r1 fam= nql=1 csl=128 oid=oid:1.2.3.4.5.6.7.8.9",
			"Name here: related-crypto-material material=private-key alg=bom-ref-to-algorithm size=1024"},
			[]string{`certificateProperties/signatureAlgorithmRef: Name here: ref "bom-ref-to-algorithm" names no component`}},
		{"sbom/cyclonedx-spec/test-resources/1.7/valid-cryptography-full-1.7.xml", -1, nil, nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			doc, err := ParseFile(testdata.Path(t, c.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			idx := doc.CryptoAssets()
			if c.assets >= 0 && len(idx) != c.assets {
				t.Errorf("crypto assets = %d, want %d", len(idx), c.assets)
			}
			if c.assets < 0 && len(idx) == 0 {
				t.Error("no crypto assets read")
			}
			var lines []string
			for _, i := range idx {
				lines = append(lines, cryptoKey(&doc.Components[i]))
			}
			all := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in\n%s", w, all)
				}
			}
			var warns []string
			for _, w := range doc.Warnings {
				warns = append(warns, w.Location+": "+w.Message)
			}
			for _, w := range c.warnings {
				if !strings.Contains(strings.Join(warns, "\n"), w) {
					t.Errorf("missing warning %q in %q", w, warns)
				}
			}
		})
	}
}

// TestCBOMProvides reads the 1.6 "provides" edge: the crypto library
// provides the AES asset.
func TestCBOMProvides(t *testing.T) {
	doc, err := ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/CBOM/Example-With-Dependencies/bom.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Provides) != 1 || doc.Provides[0].Ref != "crypto-library" || len(doc.Provides[0].DependsOn) != 1 || doc.Provides[0].DependsOn[0] != "aes128gcm" {
		t.Errorf("provides = %+v", doc.Provides)
	}
}

// TestCBOMBadInput feeds impossible values and dangling refs: warnings name
// component and field, nothing fails, the fast and the reference reader
// agree.
func TestCBOMBadInput(t *testing.T) {
	for _, c := range []struct{ name, comp, warn string }{
		{"unknown asset type", `{"type":"cryptographic-asset","name":"x","cryptoProperties":{"assetType":"spell"}}`, `/components/0/cryptoProperties/assetType: unknown assetType "spell"`},
		{"quantum level", `{"type":"cryptographic-asset","name":"x","cryptoProperties":{"assetType":"algorithm","algorithmProperties":{"nistQuantumSecurityLevel":9}}}`, "nistQuantumSecurityLevel: 9 is not a NIST quantum security category"},
		{"key size", `{"type":"cryptographic-asset","name":"k","cryptoProperties":{"assetType":"related-crypto-material","relatedCryptoMaterialProperties":{"size":-1}}}`, "size: key size -1 bits is impossible"},
		{"dangling", `{"type":"cryptographic-asset","name":"k","cryptoProperties":{"assetType":"related-crypto-material","relatedCryptoMaterialProperties":{"algorithmRef":"nope"}}}`, `algorithmRef: k: ref "nope" names no component`},
		{"provides", `{"type":"library","name":"l","bom-ref":"l"}],"dependencies":[{"ref":"l","provides":["gone"]}`, `"l" provides "gone", which names no component`},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + c.comp + `]}`)
			for name, parse := range map[string]func([]byte) (*Document, error){"fast": parseCycloneDXJSONFast, "reference": parseCycloneDXJSON} {
				doc, err := parse(data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				finish(doc)
				var got []string
				for _, w := range doc.Warnings {
					got = append(got, w.Location+": "+w.Message)
				}
				if !strings.Contains(strings.Join(got, "\n"), c.warn) {
					t.Errorf("%s: warnings %q lack %q", name, got, c.warn)
				}
			}
		})
	}
	// a wrong JSON type is an error naming the field
	_, err := parseCycloneDXJSONFast([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"cryptographic-asset","name":"x","cryptoProperties":{"assetType":7}}]}`))
	if err == nil || !strings.Contains(err.Error(), "/components/0/cryptoProperties") {
		t.Errorf("err = %v, want one naming /components/0/cryptoProperties", err)
	}
}

// TestReadAIComponents reads models and datasets: CycloneDX model cards and
// SPDX 3 AI packages with trainedOn/testedOn.
func TestReadAIComponents(t *testing.T) {
	for _, c := range []struct {
		file             string
		models, datasets int
		model            string // location of a model to look at
		card             bool
		datasets0        string // first dataset name/relation of that model
	}{
		{"sbom/cyclonedx-spec/test-resources/1.7/valid-machine-learning-1.7.json", 1, 0, "/components/0", true, "Training Data/dataset"},
		// two software_Package elements with primaryPurpose "model" (the model
		// code) besides the two ai_AIPackage elements
		{"sbom/spdx-examples/ai/example01/spdx3.0/simplehtr-example.json", 4, 1, "/@graph/101", true, "IAMdataset/trainedOn"},
		{"sbom/spdx-examples/ai/example02/spdx3.0/sbom.spdx3.json", 1, 1, "/@graph/20", true, ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			doc, err := ParseFile(testdata.Path(t, c.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			models, datasets := doc.Models()
			if len(models) != c.models || len(datasets) != c.datasets {
				t.Errorf("models, datasets = %d, %d; want %d, %d", len(models), len(datasets), c.models, c.datasets)
			}
			for _, i := range models {
				m := &doc.Components[i]
				if m.Location != c.model {
					continue
				}
				ai := m.X().AI
				if ai == nil {
					t.Fatal("no AI facts")
				}
				if ai.ModelCard != c.card {
					t.Errorf("model card = %v", ai.ModelCard)
				}
				got := ""
				if len(ai.Datasets) > 0 {
					got = ai.Datasets[0].Name + "/" + ai.Datasets[0].Relation
				}
				if got != c.datasets0 {
					t.Errorf("first dataset = %q, want %q", got, c.datasets0)
				}
				return
			}
			t.Errorf("no model named %q", c.model)
		})
	}
}

// TestCBOMProvidesXMLMatchesJSON: the spec's implementation example in both
// encodings gives the same provides edge and the same asset.
func TestCBOMProvidesXMLMatchesJSON(t *testing.T) {
	var keys []string
	for _, f := range []string{"valid-cryptography-implementation-1.6.json", "valid-cryptography-implementation-1.6.xml"} {
		doc, err := ParseFile(testdata.Path(t, "sbom/cyclonedx-spec/test-resources/1.6/"+f), Options{})
		if err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("%+v", doc.Provides)
		for _, i := range doc.CryptoAssets() {
			k += " | " + cryptoKey(&doc.Components[i])
		}
		keys = append(keys, k)
	}
	if keys[0] != keys[1] || !strings.Contains(keys[0], "Ref:crypto-library DependsOn:[aes128gcm]") {
		t.Errorf("JSON and XML differ or lack the edge:\n%s\n%s", keys[0], keys[1])
	}
}
