package sbomtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// CycloneDXJSON writes a CycloneDX 1.5 JSON file of n components, each
// depending on the next, to dir and returns its path. rich components also
// carry a supplier, a hash and a licence, each a small object decoded on its
// own (the shape of the hostile-input campaign's 1,000,000-component file);
// lean ones have only name, version and purl (the shape of the staged
// synth-*.cdx.json).
func CycloneDXJSON(tb testing.TB, dir string, n int, rich bool) string {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("m%d-%v.cdx.json", n, rich))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"type":"firmware","bom-ref":"root","name":"fw","version":"1"}},"components":[` + "\n")
	for i := range n {
		if i > 0 {
			w.WriteString(",\n")
		}
		fmt.Fprintf(w, `{"type":"library","bom-ref":"c%d","name":"pkg%d","version":"1.%d.0","purl":"pkg:npm/pkg%d@1.%d.0"`, i, i, i%100, i, i%100)
		if rich {
			fmt.Fprintf(w, `,"supplier":{"name":"S"},"hashes":[{"alg":"SHA-256","content":"%064x"}],"licenses":[{"license":{"id":"MIT"}}]`, i)
		}
		w.WriteString("}")
	}
	w.WriteString("],\"dependencies\":[\n{\"ref\":\"root\",\"dependsOn\":[\"c0\"]}")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(w, ",\n{\"ref\":\"c%d\",\"dependsOn\":[\"c%d\"]}", i, i+1)
	}
	w.WriteString("]}")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// SPDXTagValue writes an SPDX 2.3 tag-value file of n packages to dir and
// returns its path: the rich shape of CycloneDXJSON (supplier, SHA-256,
// licence, purl) with one package depending on the next, described by the
// document through a root package.
func SPDXTagValue(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("m%d.spdx", n))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: fw\n" +
		"DocumentNamespace: https://example.com/spdx/fw-1\nCreator: Tool: sbomtest\nCreator: Organization: Acme (ops@acme.example)\n" +
		"Created: 2026-01-01T00:00:00Z\n\n" +
		"PackageName: fw\nSPDXID: SPDXRef-root\nPackageVersion: 1\nPackageSupplier: Organization: Acme\n" +
		"PackageDownloadLocation: NOASSERTION\nFilesAnalyzed: false\nPrimaryPackagePurpose: FIRMWARE\n")
	for i := range n {
		fmt.Fprintf(w, "\nPackageName: pkg%d\nSPDXID: SPDXRef-c%d\nPackageVersion: 1.%d.0\nPackageSupplier: Organization: S\n"+
			"PackageDownloadLocation: NOASSERTION\nFilesAnalyzed: false\nPackageChecksum: SHA256: %064x\n"+
			"PackageLicenseConcluded: MIT\nPackageLicenseDeclared: MIT\nExternalRef: PACKAGE-MANAGER purl pkg:npm/pkg%d@1.%d.0\n",
			i, i, i%100, i, i, i%100)
	}
	w.WriteString("\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\nRelationship: SPDXRef-root DEPENDS_ON SPDXRef-c0\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(w, "Relationship: SPDXRef-c%d DEPENDS_ON SPDXRef-c%d\n", i, i+1)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}
