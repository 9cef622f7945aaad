package dossier

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader, seeded with the example
// dossiers: it must return a dossier or an *Error, never panic.
func FuzzParse(f *testing.F) {
	for _, dir := range exampleDirs {
		data, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("product: &a {name: x}\nmanufacturer: *a\n"))
	f.Add([]byte("evidence:\n  - path: ../../../../etc/passwd\n    sha256: 00\n"))
	// An empty folder: evidence paths fail fast instead of being hashed on every run.
	base := filepath.Join(f.TempDir(), FileName)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, base)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || len(de.Issues) == 0 {
				t.Fatalf("error %T without issues: %v", err, err)
			}
			return
		}
		if d == nil || d.Product.Name == "" || d.Product.Model == "" || d.Manufacturer.Name == "" {
			t.Fatalf("accepted a dossier without its required fields: %+v", d)
		}
	})
}

// BenchmarkLoad loads the richest example dossier (YAML walk, decode, seven
// SHA-256 digests and the catalog ID checks).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(exampleDirs[0]); err != nil {
			b.Fatal(err)
		}
	}
}
