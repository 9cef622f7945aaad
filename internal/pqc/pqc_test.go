package pqc

import (
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/sbom"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPolicyLoads(t *testing.T) {
	p, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Sources["nist-ir-8547-ipd"]; s == nil || s.Status != "draft" {
		t.Errorf("NIST IR 8547 must be listed as a draft: %+v", s)
	}
	for _, d := range p.Deadlines {
		if p.Sources[d.Source] == nil || d.Says == "" {
			t.Errorf("deadline %s lacks source or text", d.ID)
		}
	}
}

func TestPolicyErrors(t *testing.T) {
	good := string(policyYAML)
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown field", good + "\nextra: 1\n", "field extra not found"},
		{"bad date", strings.Replace(good, "last: 2035-12-31", "last: end of 2035", 1), "deadlines.nist-all-disallowed.last"},
		{"bad source", strings.Replace(good, "source: rfc6151", "source: rfc0000", 1), `source "rfc0000" is not listed`},
		{"bad rating", strings.Replace(good, "rating: broken\n    source: rfc7465", "rating: dodgy\n    source: rfc7465", 1), `unknown rating "dodgy"`},
		{"bad pattern", strings.Replace(good, `'\bRC2\b'`, `'(RC2'`, 1), "families.RC2: pattern"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestRatings rates single assets on 2026-12-03 with support to 2031-06-30.
func TestRatings(t *testing.T) {
	nql5 := 5
	for _, c := range []struct {
		a        asset
		rating   string
		status   string
		deadline string
		on       string
	}{
		{asset{name: "MD5"}, Broken, StatusForbidden, "", ""},
		{asset{name: "SHA1withRSA"}, Broken, StatusForbidden, "", ""},
		{asset{name: "HMAC-SHA1"}, Unknown, StatusUnknown, "", ""},
		{asset{name: "SHA-1", primitive: "signature"}, Broken, StatusForbidden, "", ""},
		{asset{name: "3DES-CBC"}, Broken, StatusForbidden, "", ""},
		{asset{name: "DES-EDE3-CBC"}, Broken, StatusForbidden, "", ""},
		{asset{name: "DES"}, Broken, StatusForbidden, "", ""},
		{asset{name: "RC4-128"}, Broken, StatusForbidden, "", ""},
		{asset{name: "RSA-1024"}, Broken, StatusForbidden, "", ""},
		{asset{name: "DH-1024"}, Broken, StatusForbidden, "", ""},
		{asset{name: "ECDSA", curve: "secp192r1"}, Broken, StatusForbidden, "", ""},
		{asset{name: "RSA-2048"}, QuantumVulnerable, StatusMigrate, "2030-12-31", ""},
		{asset{name: "RSA-2048"}, QuantumVulnerable, StatusForbidden, "2030-12-31", "2031-02-01"},
		{asset{name: "RSA", bits: 3072, purposes: []string{"key-establishment"}}, QuantumVulnerable, StatusAcceptable, "2035-12-31", ""},
		{asset{name: "RSA-3072", purposes: []string{PurposeFirmwareSigning}}, QuantumVulnerable, StatusMigrate, "2030-12-31", ""},
		{asset{name: "ECDSA P-256", purposes: []string{PurposePKI}}, QuantumVulnerable, StatusMigrate, "2030-12-31", ""},
		{asset{name: "ECDSA"}, QuantumVulnerable, StatusMigrate, "2030-12-31", ""}, // curve unknown: 112-bit deadline
		{asset{name: "Ed25519"}, QuantumVulnerable, StatusAcceptable, "2035-12-31", ""},
		{asset{name: "X25519"}, QuantumVulnerable, StatusAcceptable, "2035-12-31", ""},
		{asset{name: "ffdhe2048"}, QuantumVulnerable, StatusMigrate, "2030-12-31", ""},
		{asset{name: "ML-KEM-768"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "ML-DSA-65"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "SLH-DSA-SHA2-128s"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "LMS_SHA256_M32_H10", purposes: []string{PurposeFirmwareSigning}}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "XMSS-SHA2_10_256"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "LMS_SHA256_M32_H10", purposes: []string{PurposePKI}}, Unknown, StatusUnknown, "", ""},
		{asset{name: "X25519MLKEM768"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "Ed25519 + ML-DSA-65", purposes: []string{PurposeFirmwareSigning}}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "AES-256-GCM"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "SHA-384"}, QuantumSafe, StatusOK, "", ""},
		{asset{name: "Frobnicate-9000", nql: &nql5}, Unknown, StatusUnknown, "", ""},
		{asset{name: ""}, Unknown, StatusUnknown, "", ""},
		{asset{name: "TLS 1.0", assetType: "protocol", protoType: "tls", protoVersion: "1.0"}, Broken, StatusForbidden, "", ""},
		{asset{name: "TLS 1.3", assetType: "protocol", protoType: "tls", protoVersion: "1.3"}, Unknown, StatusUnknown, "", ""},
		{asset{name: "TLS 1.2", assetType: "protocol", protoType: "tls", protoVersion: "1.2", texts: []string{"TLS_RSA_WITH_RC4_128_SHA"}}, Broken, StatusForbidden, "", ""},
		{asset{name: "SSH-1", assetType: "protocol", protoType: "ssh", protoVersion: "1.5"}, Broken, StatusForbidden, "", ""},
		{asset{name: "Gopher", assetType: "protocol", protoType: "gopher"}, Unknown, StatusUnknown, "", ""},
	} {
		a := c.a
		if a.assetType == "" {
			a.assetType = "algorithm"
		}
		if a.texts == nil {
			a.texts = []string{a.name}
		}
		on := date("2026-12-03")
		if c.on != "" {
			on = date(c.on)
		}
		p, _ := Load()
		res := &Result{}
		evaluate(p, []asset{a}, Options{On: on, SupportUntil: date("2031-06-30")}, res)
		got := res.Assets[0]
		if got.Rating != c.rating || got.Status != c.status || got.Deadline != c.deadline {
			t.Errorf("%s %v: got %s/%s/%q (%s), want %s/%s/%q", a.name, a.purposes, got.Rating, got.Status, got.Deadline, got.Reason, c.rating, c.status, c.deadline)
		}
		if (c.status == StatusOK || c.status == StatusAcceptable) != res.Ready {
			t.Errorf("%s: ready = %v with status %s", a.name, res.Ready, got.Status)
		}
		if a.nql != nil && len(res.Warnings) == 0 {
			t.Errorf("%s: no warning about the NIST level claim", a.name)
		}
	}
}

// TestNoSupportEnd: without a support end nothing is judged over the
// period, and the line says so.
func TestNoSupportEnd(t *testing.T) {
	p, _ := Load()
	res := &Result{}
	evaluate(p, []asset{{name: "RSA-2048", assetType: "algorithm", texts: []string{"RSA-2048"}}}, Options{On: date("2026-12-03")}, res)
	if !res.Ready || res.Assets[0].Status != StatusAcceptable || !strings.Contains(res.Readiness, "give the support end") {
		t.Errorf("ready=%v status=%s line=%q", res.Ready, res.Assets[0].Status, res.Readiness)
	}
}

// TestNoAssets is not a pass.
func TestNoAssets(t *testing.T) {
	p, _ := Load()
	res := &Result{}
	evaluate(p, nil, Options{On: date("2026-12-03")}, res)
	if res.Ready || len(res.Findings) != 1 {
		t.Errorf("ready=%v findings=%v", res.Ready, res.Findings)
	}
}

// TestSuiteTokens: a cipher-suite name yields every family it names.
func TestSuiteTokens(t *testing.T) {
	p, _ := Load()
	res := &Result{}
	evaluate(p, []asset{{name: "TLS 1.2", assetType: "protocol", protoType: "tls", protoVersion: "1.2",
		texts: []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}}}, Options{On: date("2026-12-03")}, res)
	got := strings.Join(res.Assets[0].Families, ",")
	for _, want := range []string{"ECDH", "ECDSA", "AES", "SHA-2"} {
		if !strings.Contains(got, want) {
			t.Errorf("families %s lack %s", got, want)
		}
	}
}

// TestForProduct: the CBOM wins, the dossier's list is the fallback, and a
// dossier without cryptography gives no result.
func TestForProduct(t *testing.T) {
	on := date("2026-12-03")
	d, err := dossier.Load("../../examples/home-router")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sbom.ParseFile("../../examples/home-router/cbom.cdx.json", sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ForProduct(d, doc, "cbom.cdx.json", Options{On: on})
	if err != nil || res.Input != InputCBOM || res.SupportUntil == "" || !strings.Contains(res.Readiness, "Not yet post-quantum ready") {
		t.Fatalf("CBOM: %+v, %v", res, err)
	}
	res, err = ForProduct(d, nil, "", Options{On: on})
	if err != nil || res == nil || res.Input != InputDossier {
		t.Fatalf("dossier fallback: %+v, %v", res, err)
	}
	bare := *d
	bare.Cryptography = dossier.Cryptography{}
	bare.Updates.SignatureAlgorithm = ""
	if res, err := ForProduct(&bare, nil, "", Options{On: on}); res != nil || err != nil {
		t.Fatalf("no cryptography: %+v, %v", res, err)
	}
}
