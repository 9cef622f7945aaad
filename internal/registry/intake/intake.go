// Package intake turns an upload — a dossier, its SBOM and evidence files —
// into what the registry stores for a product version: it writes the files
// into a private temporary folder laid out as the dossier names them, runs
// the assessment (scanning with the server's advisory database when one is
// configured) through label/fromdossier, and derives the public record that
// the product page shows: the FCC registry fields, the CTA-2120 label data
// and the CRA user information. Nothing is stored here; a failed intake
// leaves no trace.
package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/label/fromdossier"
	"github.com/dualmark/dualmark/internal/paperwork"
	"gopkg.in/yaml.v3"
)

// Upload is what a manufacturer sends for one product version.
type Upload struct {
	Dossier []byte // the dossier YAML
	SBOM    []byte // the SBOM the dossier names (sbom.path); optional when it names none
	// Evidence maps a file name — the evidence path the dossier gives, or
	// just its base name — to the file's bytes. Other files the dossier
	// names by path (the CBOM of cryptography.cbom.path) travel here too.
	Evidence map[string][]byte
	// Spooled maps file names as in Evidence to files on disk holding them
	// (a streamed upload). Process moves them into its work folder and never
	// reads them into memory; a name is in Evidence or in Spooled, not both.
	Spooled map[string]string
}

// Options tune Process.
type Options struct {
	AdvisoryDB string    // advisory database folder for the scan; "" means no scan
	TempDir    string    // where the working folder is made; "" means os.TempDir()
	Now        time.Time // the assessment date and the CTA-2120 data's stamp; zero means time.Now()
	// Keep, when set, is called after a successful assessment for every
	// file other than the dossier and the SBOM that the dossier named and
	// the upload carried (its CBOM, its evidence), with the path the
	// dossier gives (slash-separated, relative to the dossier) and the
	// file's place in the work folder, which is removed after Keep returns:
	// Keep may move the file. An error from Keep fails the upload.
	Keep func(rel, path string) error
}

// Result is a processed upload.
type Result struct {
	Dossier    *dossier.Dossier
	Assessment []byte // the assessment JSON a label signs the digest of
	Summary    *label.Summary
	Record     *Record
	SBOMDigest string // SHA-256 hex of the SBOM bytes ("" without an SBOM)
}

// Error is a problem with the upload itself (as opposed to the server): it
// names the part of the upload at fault.
type Error struct {
	Field string // "dossier", "sbom", "evidence/<name>"
	Err   error
}

func (e *Error) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func bad(field string, format string, args ...any) error {
	return &Error{Field: field, Err: fmt.Errorf(format, args...)}
}

// Process checks and assesses an upload.
func Process(up *Upload, opts Options) (*Result, error) {
	if len(up.Dossier) == 0 {
		return nil, bad("dossier", "missing: send the dossier YAML")
	}
	d, err := filePaths(up.Dossier)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(opts.TempDir, "dualmark-upload-")
	if err != nil {
		return nil, fmt.Errorf("upload work folder: %w", err)
	}
	defer os.RemoveAll(dir)
	placed, err := layout(dir, d, up)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "dossier.yaml")
	// loaded once (BaseDir set, for the documents) and assessed as loaded
	full, err := dossier.Load(path)
	if err != nil {
		return nil, &Error{Field: "dossier", Err: errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))}
	}
	data, sum, _, err := fromdossier.AssessDossier(full, assess.RunOptions{DB: opts.AdvisoryDB, On: opts.Now})
	if err != nil {
		return nil, &Error{Field: "dossier", Err: errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))}
	}
	rec, err := buildRecord(full, sum, opts.Now)
	if err != nil {
		return nil, err
	}
	if opts.Keep != nil {
		for _, rel := range placed {
			if err := opts.Keep(rel, filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
				return nil, err
			}
		}
	}
	r := &Result{Dossier: full, Assessment: data, Summary: sum, Record: rec}
	if len(up.SBOM) > 0 {
		h := sha256.Sum256(up.SBOM)
		r.SBOMDigest = hex.EncodeToString(h[:])
	}
	return r, nil
}

// layout writes the dossier, its SBOM and the evidence into dir where the
// dossier's relative paths expect them, and returns the dossier paths of
// the files other than the dossier and the SBOM that it placed (each once).
// Paths must stay inside dir.
func layout(dir string, d *paths, up *Upload) ([]string, error) {
	placed, err := layoutFiles(dir, d, up)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, rel := range placed {
		rel = filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel)))
		if !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	return out, nil
}

func layoutFiles(dir string, d *paths, up *Upload) (placed []string, err error) {
	fail := func(field string, format string, args ...any) ([]string, error) {
		return nil, bad(field, format, args...)
	}
	if err := os.WriteFile(filepath.Join(dir, "dossier.yaml"), up.Dossier, 0o600); err != nil {
		return nil, err
	}
	if d.SBOM != nil && d.SBOM.Path != "" {
		if len(up.SBOM) == 0 {
			return fail("sbom", "missing: the dossier names %s (sbom.path)", d.SBOM.Path)
		}
		if err := place(dir, d.SBOM.Path, up.SBOM, "sbom"); err != nil {
			return nil, err
		}
	} else if len(up.SBOM) > 0 {
		return fail("sbom", "the dossier names no SBOM (sbom.path): add it to the dossier")
	}
	used := map[string]bool{}
	if c := d.Cryptography.CBOM; c != nil && c.Path != "" {
		name, ok := lookup(up, c.Path)
		if !ok {
			return fail("cbom", "missing: the dossier names %s (cryptography.cbom.path); send it with the evidence files", c.Path)
		}
		used[name] = true
		placed = append(placed, c.Path)
		if err := placeFile(dir, c.Path, up, name, "cbom"); err != nil {
			return nil, err
		}
	}
	for i, e := range d.Evidence {
		if e.Path == "" {
			continue
		}
		name, ok := lookup(up, e.Path)
		if !ok {
			continue // the assessment reports the evidence as missing
		}
		used[name] = true
		placed = append(placed, e.Path)
		if err := placeFile(dir, e.Path, up, name, fmt.Sprintf("evidence[%d]", i)); err != nil {
			return nil, err
		}
	}
	var extra []string
	for name := range up.Evidence {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	for name := range up.Spooled {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fail("evidence/"+extra[0], "the dossier names no evidence file %q (evidence[].path)", extra[0])
	}
	return placed, nil
}

// paths are the file references of a dossier, read before the files are in
// place (the dossier loader checks that they exist).
type paths struct {
	SBOM *struct {
		Path string `yaml:"path"`
	} `yaml:"sbom"`
	Evidence []struct {
		Path string `yaml:"path"`
	} `yaml:"evidence"`
	Cryptography struct {
		CBOM *struct {
			Path string `yaml:"path"`
		} `yaml:"cbom"`
	} `yaml:"cryptography"`
}

func filePaths(data []byte) (*paths, error) {
	var p paths
	if err := yaml.Unmarshal(data, &p); err != nil {
		return nil, bad("dossier", "dossier.yaml: %v", err)
	}
	return &p, nil
}

// lookup finds an evidence file, in memory or spooled, by its dossier path
// or its base name, and returns the name it was sent under.
func lookup(up *Upload, path string) (string, bool) {
	for _, name := range []string{path, filepath.Base(filepath.FromSlash(path))} {
		if _, ok := up.Evidence[name]; ok {
			return name, true
		}
		if _, ok := up.Spooled[name]; ok {
			return name, true
		}
	}
	return "", false
}

// placeFile puts the file sent as name at rel in dir: written from memory,
// or the spooled file moved (copied when it is on another file system).
func placeFile(dir, rel string, up *Upload, name, field string) error {
	src, spooled := up.Spooled[name]
	if !spooled {
		return place(dir, rel, up.Evidence[name], field)
	}
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return bad(field, "path %q leaves the dossier's folder", rel)
	}
	p := filepath.Join(dir, rel)
	if err := notFolder(dir, p, rel, field); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if err := os.Rename(src, p); err == nil {
		up.Spooled[name] = p // a second dossier entry naming the same file copies it from here
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func place(dir, rel string, body []byte, field string) error {
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return bad(field, "path %q leaves the dossier's folder", rel)
	}
	p := filepath.Join(dir, rel)
	if err := notFolder(dir, p, rel, field); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, body, 0o600)
}

// notFolder refuses a dossier path that names a folder of the work folder
// dir (".", "a/..", or "a" when another path put "a/b" there) or runs
// through a file another path put there ("a/b" after "a"): writing it
// failed with a server error, not an upload one (found by FuzzProcess).
func notFolder(dir, p, rel, field string) error {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return bad(field, "path %q names a folder, not a file", filepath.ToSlash(rel))
	}
	for q := filepath.Dir(p); len(q) > len(dir); q = filepath.Dir(q) {
		if st, err := os.Lstat(q); err == nil && !st.IsDir() {
			return bad(field, "path %q runs through a file, not a folder", filepath.ToSlash(rel))
		}
	}
	return nil
}

// Verdicts renders a summary's verdicts as "cra=conforms,en303645=…",
// sorted by regime.
func Verdicts(sum *label.Summary) string {
	parts := make([]string, 0, len(sum.Regimes))
	for id, v := range sum.Regimes {
		parts = append(parts, id+"="+v.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// SummaryJSON and ParseSummary store a label summary with the version, so
// that a label can be issued later without assessing again.
func SummaryJSON(sum *label.Summary) ([]byte, error) { return json.Marshal(sum) }

// ParseSummary decodes what SummaryJSON wrote.
func ParseSummary(data []byte) (*label.Summary, error) {
	var s label.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("stored label summary: %w", err)
	}
	return &s, nil
}

// Documents builds the paperwork of a dossier (for the record).
func documents(d *dossier.Dossier, now time.Time) ([]*paperwork.Document, *paperwork.Label, error) {
	docs, err := paperwork.Build(d, paperwork.Options{Now: now})
	if err != nil {
		return nil, nil, err
	}
	l, err := paperwork.BuildLabel(d, paperwork.Options{Now: now})
	return docs, l, err
}

// FromDir reads an example-style product folder as an upload: dossier.yaml,
// the SBOM the dossier names, its CBOM, and every evidence file it names by
// path.
func FromDir(dir string) (*Upload, error) {
	up := &Upload{Evidence: map[string][]byte{}}
	var err error
	if up.Dossier, err = os.ReadFile(filepath.Join(dir, "dossier.yaml")); err != nil {
		return nil, err
	}
	d, err := filePaths(up.Dossier)
	if err != nil {
		return nil, err
	}
	if d.SBOM != nil && d.SBOM.Path != "" {
		if up.SBOM, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(d.SBOM.Path))); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(d.Evidence)+1)
	if c := d.Cryptography.CBOM; c != nil {
		names = append(names, c.Path)
	}
	for _, e := range d.Evidence {
		names = append(names, e.Path)
	}
	for _, name := range names {
		if name == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		up.Evidence[name] = b
	}
	return up, nil
}

// SBOMFileName returns the base name of the SBOM a dossier names
// ("sbom.json" when it names none), under which a label names the SBOM.
func SBOMFileName(dossierYAML []byte) string {
	p, err := filePaths(dossierYAML)
	if err != nil || p.SBOM == nil || p.SBOM.Path == "" {
		return "sbom.json"
	}
	return filepath.Base(filepath.FromSlash(p.SBOM.Path))
}
