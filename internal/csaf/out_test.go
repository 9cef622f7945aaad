package csaf

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/art14"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/vex"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func camOptions(t *testing.T, decisions bool) Options {
	o := Options{
		Publisher: Publisher{Name: "Lumora Vision PSIRT", Namespace: "https://lumora.example"},
		Now:       now,
		Device:    Device{Vendor: "Lumora Vision", Name: "IC400 camera", Version: "3.2.0", PURL: "pkg:generic/lumora/ic400@3.2.0"},
	}
	if decisions {
		st, err := vex.Load(filepath.Join("testdata", "camera-vex.openvex.json"))
		if err != nil {
			t.Fatal(err)
		}
		o.Decisions = st
	}
	return o
}

// loadScan reads the JSON that `dualmark scan --json` wrote for
// examples/security-camera against the shared OSV, KEV and EPSS data.
func loadScan(t testing.TB) *match.Result {
	data, err := os.ReadFile(filepath.Join("testdata", "security-camera.scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r match.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func encode(t *testing.T, a *Advisory) []byte {
	t.Helper()
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept)", name)
	}
}

// TestVEXFromScan: the VEX of a real scan, with and without the
// manufacturer's decision, passes the schema and the mandatory tests, and
// the decision turns the nginx HTTP/2 finding into known_not_affected.
func TestVEXFromScan(t *testing.T) {
	sch := schemas(t)
	res := loadScan(t)
	for _, tc := range []struct {
		name      string
		decisions bool
	}{{"security-camera.csaf-vex.json", false}, {"security-camera-decided.csaf-vex.json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := VEX(res, camOptions(t, tc.decisions))
			if err != nil {
				t.Fatal(err)
			}
			data := encode(t, a)
			ps, err := CheckBytes(data, sch)
			if err != nil || len(ps) > 0 {
				t.Fatalf("generated VEX fails: %v %v", err, ps)
			}
			golden(t, tc.name, data)
			var rapid *Vulnerability
			for i := range a.Vulnerabilities {
				if a.Vulnerabilities[i].CVE == "CVE-2023-44487" {
					rapid = &a.Vulnerabilities[i]
				}
			}
			if rapid == nil {
				t.Fatal("CVE-2023-44487 missing")
			}
			nna := len(rapid.ProductStatus.KnownNotAffected) > 0
			if nna != tc.decisions {
				t.Errorf("decisions=%v: known_not_affected=%v", tc.decisions, rapid.ProductStatus.KnownNotAffected)
			}
			if !strings.Contains(string(data), "CISA Known Exploited") {
				t.Error("KEV threat missing")
			}
		})
	}
	if _, err := VEX(&match.Result{}, camOptions(t, false)); err == nil {
		t.Error("empty scan gave a VEX document")
	}
}

func exploitedCase(t *testing.T) *art14.Case {
	rs, err := art14.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	c, err := art14.Open(rs, art14.Case{ID: "LUMORA-2026-007", Kind: art14.KindVulnerability, Vulnerability: "CVE-2023-44487", KEV: true,
		Product:   art14.Product{Name: "IC400 camera", Version: "3.2.0", Manufacturer: "Lumora Vision", MainEstablishment: "NL", MemberStates: []string{"NL", "BE"}},
		Awareness: art14.Awareness{Detected: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	d, err := art14.NewDraft(rs, c, art14.StageNotification, now)
	if err != nil {
		t.Fatal(err)
	}
	d.Vulnerability.Nature = "HTTP/2 rapid reset denial of service in the camera's nginx"
	d.Vulnerability.Exploit = "stream resets flood the web server; the live view stops"
	d.UserMeasures = "disable remote web access until 3.2.1 is installed"
	d.MeasuresTaken = "HTTP/2 disabled in the cloud relay"
	return c
}

// TestAdvisoryFromCase: a security advisory drafted from an Art. 14(1)
// case passes the schema and mandatory tests, before and after the fix.
func TestAdvisoryFromCase(t *testing.T) {
	sch := schemas(t)
	c := exploitedCase(t)
	o := Options{Publisher: Publisher{Name: "Lumora Vision PSIRT", Namespace: "https://lumora.example"}, Now: now, TLP: "GREEN"}
	for _, tc := range []struct {
		name  string
		fixed bool
	}{{"case-affected.csaf.json", false}, {"case-fixed.csaf.json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fixed {
				fix := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
				if err := c.SetMeasureAvailable(fix, fix); err != nil {
					t.Fatal(err)
				}
				rs, _ := art14.DefaultRules()
				d, _ := art14.NewDraft(rs, c, art14.StageFinal, now)
				d.FixDetails = "firmware 3.2.1 limits concurrent stream resets"
			}
			a, err := FromCase(c, o)
			if err != nil {
				t.Fatal(err)
			}
			data := encode(t, a)
			if ps, err := CheckBytes(data, sch); err != nil || len(ps) > 0 {
				t.Fatalf("advisory fails: %v %v", err, ps)
			}
			golden(t, tc.name, data)
			if got := len(a.Vulnerabilities[0].ProductStatus.Fixed) > 0; got != tc.fixed {
				t.Errorf("fixed=%v, want %v", got, tc.fixed)
			}
		})
	}
	if _, err := FromCase(&art14.Case{ID: "i", Kind: art14.KindIncident}, o); err == nil {
		t.Error("incident case gave an advisory")
	}
}

// TestProvider writes a signed provider directory and checks its files.
func TestProvider(t *testing.T) {
	sch := schemas(t)
	signer, _, err := NewTestSigner("Lumora Vision PSIRT", "psirt@lumora.example")
	if err != nil {
		t.Fatal(err)
	}
	vexDoc, err := VEX(loadScan(t), camOptions(t, true))
	if err != nil {
		t.Fatal(err)
	}
	adv, err := FromCase(exploitedCase(t), Options{Publisher: Publisher{Name: "Lumora Vision PSIRT", Namespace: "https://lumora.example"}, Now: now, TLP: "GREEN"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pub, err := WriteProvider(dir, Provider{BaseURL: "https://lumora.example", Publisher: Publisher{Name: "Lumora Vision PSIRT", Namespace: "https://lumora.example"}, Signer: signer, Now: now, Contact: "mailto:psirt@lumora.example"},
		[][]byte{encode(t, vexDoc), encode(t, adv)}, sch)
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 {
		t.Fatalf("published %v", pub)
	}
	root := filepath.Join(dir, ".well-known", "csaf")
	for _, f := range []string{"provider-metadata.json", "white/index.txt", "white/changes.csv", "white/csaf-feed-tlp-white.json", "green/index.txt",
		"green/csaf-feed-tlp-green.json", "service.json", "white/category-white.json", "../security.txt", "white/2026/ic400_camera-3_2_0-csaf_vex.json.sha512", "white/2026/ic400_camera-3_2_0-csaf_vex.json.asc"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Error(err)
		}
	}
	doc, _ := os.ReadFile(filepath.Join(root, "white/2026/ic400_camera-3_2_0-csaf_vex.json"))
	sig, _ := os.ReadFile(filepath.Join(root, "white/2026/ic400_camera-3_2_0-csaf_vex.json.asc"))
	if err := VerifySignature(signer.PublicKey, doc, sig); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := VerifySignature(signer.PublicKey, append(doc, ' '), sig); err == nil {
		t.Error("signature verifies over changed bytes")
	}
	idx, _ := os.ReadFile(filepath.Join(root, "white/index.txt"))
	if string(idx) != "2026/ic400_camera-3_2_0-csaf_vex.json\n" {
		t.Errorf("index.txt = %q", idx)
	}
	meta, _ := os.ReadFile(filepath.Join(root, "provider-metadata.json"))
	if !strings.Contains(string(meta), `"csaf_trusted_provider"`) || !strings.Contains(string(meta), signer.Fingerprint) {
		t.Errorf("provider metadata: %s", meta)
	}
	// A document that fails a mandatory test is not published.
	bad := *adv
	bad.Vulnerabilities = append([]Vulnerability(nil), adv.Vulnerabilities...)
	bad.Vulnerabilities[0].ProductStatus = &ProductStatus{KnownAffected: []string{"CSAFPID-NOPE"}}
	if _, err := WriteProvider(t.TempDir(), Provider{BaseURL: "https://x.example", Publisher: adv.Document.Publisher, Now: now}, [][]byte{encode(t, &bad)}, sch); err == nil || !strings.Contains(err.Error(), "6.1.1") {
		t.Errorf("bad document: %v", err)
	}
}

// TestVEXIdentificationHelpers (6.2.16): the device carries its purl, CPE
// and model numbers, each component its purl and the CPE the options give,
// and "component as part of the device" the component's; a product with no
// identifier gets no helper, and 6.2.16 says so.
func TestVEXIdentificationHelpers(t *testing.T) {
	sch := schemas(t)
	for _, tc := range []struct {
		name    string
		device  Device
		purls   bool   // keep the components' purls
		cpe     string // CPE given for every component
		want616 int    // 6.2.16 warnings
	}{
		{"purl of device and components", Device{PURL: "pkg:generic/lumora/ic400@3.2.0"}, true, "", 0},
		{"model number only", Device{Model: " IC400 "}, true, "", 0},
		{"device without identifier", Device{}, true, "", 1},
		{"components by CPE", Device{CPE: "cpe:2.3:h:lumora:ic400:-:*:*:*:*:*:*:*"}, false, "cpe:2.3:a:example:component:1.0:*:*:*:*:*:*:*", 0},
		{"components without identifier", Device{PURL: "pkg:generic/lumora/ic400@3.2.0"}, false, "", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := loadScan(t)
			o := camOptions(t, false)
			o.Device.PURL, o.Device.CPE, o.Device.Model = tc.device.PURL, tc.device.CPE, tc.device.Model
			o.ComponentCPEs = map[string]string{}
			comps := map[string]bool{}
			for i := range res.Findings {
				c := &res.Findings[i].Component
				if !tc.purls {
					c.PURL = ""
				}
				key := c.PURL
				if key == "" {
					key = c.Name + "@" + c.Version
				}
				comps[key] = true
				if tc.cpe != "" {
					o.ComponentCPEs[key] = tc.cpe
				}
			}
			a, err := VEX(res, o)
			if err != nil {
				t.Fatal(err)
			}
			if h := a.ProductTree.Branches[0].Branches[0].Branches[0].Product.Helper; tc.device.Model != "" && (h == nil || len(h.ModelNumbers) != 1 || h.ModelNumbers[0] != "IC400") {
				t.Errorf("device helper %+v", h)
			}
			data, err := Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if ps, err := CheckBytes(data, sch); err != nil || len(ps) > 0 {
				t.Fatalf("mandatory: %v %v", err, ps)
			}
			ps, err := OptionalTests(data, sch)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range ps {
				if p.Test == "6.2.16" {
					n++
				}
			}
			want := tc.want616
			if want < 0 { // each component and its relationship
				want = 2 * len(comps)
			}
			if n != want || len(comps) < 2 {
				t.Errorf("%d 6.2.16 warnings over %d components, want %d: %v", n, len(comps), want, ps)
			}
		})
	}
}
