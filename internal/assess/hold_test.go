package assess

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestOpenVulnerabilityHoldsI2a: an open known vulnerability without a VEX
// decision keeps CRA-I.2.a unknown even when the dossier gives the
// manufacturer's own scan report as evidence for it (issue 9: "never met").
// The smart plug example, with its Mbed TLS downgraded to 3.4.0, is scanned
// against the real CVE-2023-43615 record (Mbed TLS 3.x before 3.5.0; SSVC
// exploitation none, not KEV-listed): the finding does not block, but the
// evidence no longer makes the requirement met; with its own Mbed TLS 3.6.2
// the plug's I.2.a stays met by the same evidence.
func TestOpenVulnerabilityHoldsI2a(t *testing.T) {
	dbDir := filepath.Join(t.TempDir(), "db")
	rec := filepath.Join(t.TempDir(), "mbedtls.cve5.jsonl")
	if err := os.WriteFile(rec, cveLine(t, "CVE-2023-43615"), 0o644); err != nil {
		t.Fatal(err)
	}
	im := advisory.NewImporter()
	if err := im.Add(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := im.Write(dbDir); err != nil {
		t.Fatal(err)
	}
	on := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, mbedtls, status, reason string
	}{
		{"Mbed TLS 3.4.0", "3.4.0", Unknown, "1 open known vulnerability without a VEX decision (CVE-2023-43615 in mbedtls 3.4.0)"},
		{"Mbed TLS 3.6.2", "3.6.2", Met, "scan-result"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := plugWithMbedTLS(t, c.mbedtls)
			a, err := Run(dir, RunOptions{On: on, Version: "test", DB: dbDir})
			if err != nil {
				t.Fatal(err)
			}
			var got *RequirementResult
			for i, r := range a.Regimes["cra"].Requirements {
				if r.ID == "CRA-I.2.a" {
					got = &a.Regimes["cra"].Requirements[i]
				}
			}
			if got == nil || got.Status != c.status || len(got.Reasons) == 0 || !strings.Contains(got.Reasons[0], c.reason) {
				t.Fatalf("CRA-I.2.a = %+v, want %s with first reason %q", got, c.status, c.reason)
			}
			if c.status == Unknown && !strings.Contains(got.Next, "publish VEX") {
				t.Errorf("next step %q", got.Next)
			}
		})
	}
}

// plugWithMbedTLS copies the smart plug example with its Mbed TLS at
// version v (the dossier's SBOM digest updated).
func plugWithMbedTLS(t *testing.T, v string) string {
	t.Helper()
	src := "../../examples/smart-plug"
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	sbom, err := os.ReadFile(filepath.Join(dst, "sbom.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	sbom = bytes.ReplaceAll(sbom, []byte("3.6.2"), []byte(v))
	if err := os.WriteFile(filepath.Join(dst, "sbom.cdx.json"), sbom, 0o644); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(sbom)
	d, err := os.ReadFile(filepath.Join(dst, "dossier.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d = regexp.MustCompile(`(?m)^(sbom:\n(?:  .*\n)*?  sha256: ).*$`).ReplaceAll(d, []byte("${1}"+hex.EncodeToString(h[:])))
	if err := os.WriteFile(filepath.Join(dst, "dossier.yaml"), d, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// cveLine returns the staged vulnrichment record of id as one JSON line.
func cveLine(t *testing.T, id string) []byte {
	t.Helper()
	f, err := os.Open(testdata.Path(t, "advisories/cve5/vulnrichment.cve5.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	needle := []byte(`"cveId":"` + id + `"`)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), needle) {
			return append(append([]byte(nil), sc.Bytes()...), '\n')
		}
	}
	t.Fatalf("%s is not in the staged vulnrichment records (%v)", id, sc.Err())
	return nil
}
