package paperwork

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/dossier"
)

// FuzzBuild renders every document for any dossier the loader accepts: no
// input may make paperwork panic, and every field is a value or a gap.
func FuzzBuild(f *testing.F) {
	for _, ex := range examples {
		data, err := os.ReadFile(filepath.Join("../../examples", ex, dossier.FileName))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	base := filepath.Join(f.TempDir(), dossier.FileName)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := dossier.Parse(data, base)
		if err != nil {
			return
		}
		docs, err := Build(d, Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			doc.Markdown()
			if _, err := doc.HTML(); err != nil {
				t.Fatal(err)
			}
			for _, s := range doc.Sections {
				for _, fl := range s.Fields {
					if fl.Value == "" && fl.Gap == "" {
						t.Fatalf("%s: field %q is neither value nor gap", doc.ID, fl.Label)
					}
				}
			}
		}
	})
}

// BenchmarkWrite builds and writes all documents (Markdown, JSON, HTML and
// the CTA-2120 JSON) for the smart-plug example.
func BenchmarkWrite(b *testing.B) {
	d, err := dossier.Load("../../examples/smart-plug")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Write(d, dir, Options{Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
	}
}
