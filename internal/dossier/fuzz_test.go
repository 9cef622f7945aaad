package dossier

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	// Real SBOMs and VEX documents, which the loader must recognise as
	// not a dossier (the start of each file is enough for that).
	addRealSeeds(f, 16<<10, otherDocuments[:4])
	// An empty folder: evidence paths fail fast instead of being hashed on every run.
	base := filepath.Join(f.TempDir(), FileName)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, base)
		var nd *NotADossierError
		if errors.As(err, &nd) {
			if nd.File != base || nd.Kind == "" || nd.Format == "" || !errors.Is(err, ErrNotADossier) {
				t.Fatalf("incomplete NotADossierError: %+v", nd)
			}
			return
		}
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

// hostileInputs are large or deeply nested dossiers that once took seconds
// (an edit-distance suggestion per unknown requirement ID).
func hostileInputs() map[string]string {
	var deep, keys strings.Builder
	for i := range 2000 {
		deep.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	for i := range 50000 {
		keys.WriteString("k" + strings.Repeat("x", i%50) + ": 1\n")
	}
	return map[string]string{
		"deep flow":         strings.Repeat("[", 5000),
		"deep block":        deep.String(),
		"many unknown keys": keys.String(),
		"long key":          strings.Repeat("x", 1<<20) + ": 1\n",
		"many evidence":     minimal + "evidence:\n" + strings.Repeat("  - {url: u, issuer: i, date: 2026-01-01, demonstrates: [CRA-I.1, CRA-Q.1]}\n", 20000),
		"long unknown IDs":  minimal + "notApplicable:\n" + strings.Repeat("  - {requirement: "+strings.Repeat("CRA-", 1000)+", justification: x}\n", 200),
	}
}

// BenchmarkHostileInputs parses each hostile input (0.5-1.5 MB); one parse
// taking over 3 s means a superlinear path came back.
func BenchmarkHostileInputs(b *testing.B) {
	for name, doc := range hostileInputs() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				start := time.Now()
				if _, err := Parse([]byte(doc), "d.yaml"); err == nil {
					b.Fatal("hostile input accepted")
				}
				if d := time.Since(start); d > 3*time.Second {
					b.Fatalf("%s took %v", name, d)
				}
			}
		})
	}
}
