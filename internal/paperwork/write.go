package paperwork

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dualmark/dualmark/internal/dossier"
)

// LabelFile is the file name of the machine-readable CTA-2120 label data;
// LabelDraftFile is where it goes instead when required fields are missing.
const (
	LabelFile      = "us-cyber-trust-mark-label.cta-2120.json"
	LabelDraftFile = "us-cyber-trust-mark-label.cta-2120.draft.json"
)

// Written lists what Write produced.
type Written struct {
	Files     []string    `json:"files"`     // paths of the files written, in order
	Documents []*Document `json:"documents"` // the documents, with their gaps
	Label     *CTALabel   `json:"cta2120"`   // the US label data as written to LabelFile
	// LabelMissing lists the CTA-2120 required fields left out; when not
	// empty the label data was written as a draft (LabelDraftFile).
	LabelMissing []string `json:"cta2120Missing"`
}

// Write builds every document for d and writes it to dir as Markdown, JSON
// and HTML, an index (index.md, index.html) and the CTA-2120 label JSON. It creates dir when needed and
// overwrites earlier output of the same names.
func Write(d *dossier.Dossier, dir string, opts Options) (*Written, error) {
	docs, err := Build(d, opts)
	if err != nil {
		return nil, err
	}
	label, err := BuildLabel(d, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("paperwork: %w", err)
	}
	w := &Written{Documents: docs, Label: &label.Data, LabelMissing: label.Missing}
	put := func(name string, data []byte) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("paperwork: %w", err)
		}
		w.Files = append(w.Files, p)
		return nil
	}
	for _, doc := range docs {
		js, err := doc.JSON()
		if err != nil {
			return nil, err
		}
		html, err := doc.HTML()
		if err != nil {
			return nil, err
		}
		for _, f := range []struct {
			ext  string
			data []byte
		}{{".md", append(doc.Markdown(), '\n')}, {".json", js}, {".html", html}} {
			if err := put(doc.ID+f.ext, f.data); err != nil {
				return nil, err
			}
		}
	}
	product := docs[0].Product
	index, err := indexHTML(product, docs)
	if err != nil {
		return nil, err
	}
	if err := put("index.md", indexMarkdown(product, docs)); err != nil {
		return nil, err
	}
	if err := put("index.html", index); err != nil {
		return nil, err
	}
	if len(label.Missing) > 0 {
		draft, err := json.MarshalIndent(struct {
			Draft   bool      `json:"draft"`
			Missing []string  `json:"missing"`
			Gaps    []string  `json:"gaps"`
			Label   *CTALabel `json:"label"`
		}{true, label.Missing, label.Gaps, &label.Data}, "", "  ")
		if err != nil {
			return nil, err
		}
		_ = os.Remove(filepath.Join(dir, LabelFile)) // an earlier complete label must not linger
		if err := put(LabelDraftFile, append(draft, '\n')); err != nil {
			return nil, err
		}
		return w, nil
	}
	lj, err := label.JSON()
	if err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, LabelDraftFile))
	if err := put(LabelFile, lj); err != nil {
		return nil, err
	}
	return w, nil
}
