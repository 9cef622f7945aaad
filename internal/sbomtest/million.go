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
