package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx23 "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/dualmark/dualmark/internal/testdata"
)

// The writers as they were before Convert streamed (commit 8856b49): the
// whole library model built, then the libraries' encoders. They are the
// oracle of TestConvertStreamedIdentical.

func writeCycloneDXWhole(w io.Writer, doc *Document) error {
	bom := cdx.NewBOM()
	if strings.HasPrefix(doc.URI, "urn:uuid:") {
		bom.SerialNumber = doc.URI
	}
	meta := &cdx.Metadata{}
	if !doc.Created.IsZero() {
		meta.Timestamp = doc.Created.UTC().Format(time.RFC3339)
	}
	var tools []cdx.Component
	var authors []cdx.OrganizationalContact
	for _, c := range doc.Creators {
		kind, name, _ := strings.Cut(c, ": ")
		switch kind {
		case "Tool":
			tools = append(tools, cdx.Component{Type: cdx.ComponentTypeApplication, Name: name})
		case "Person":
			authors = append(authors, cdx.OrganizationalContact{Name: name})
		case "Organization":
			if meta.Manufacturer == nil {
				meta.Manufacturer = &cdx.OrganizationalEntity{Name: name}
			}
		}
	}
	if len(tools) > 0 {
		meta.Tools = &cdx.ToolsChoice{Components: &tools}
	}
	if len(authors) > 0 {
		meta.Authors = &authors
	}
	if doc.CreatorContact != "" && len(authors) == 0 {
		meta.Authors = &[]cdx.OrganizationalContact{{Email: doc.CreatorContact}}
	}
	if doc.Subject != nil {
		c := toCDX(*doc.Subject)
		meta.Component = &c
	}
	bom.Metadata = meta
	comps := make([]cdx.Component, 0, len(doc.Components))
	for _, c := range doc.Components {
		if doc.Subject != nil && c.Ref != "" && c.Ref == doc.Subject.Ref {
			continue
		}
		comps = append(comps, toCDX(c))
	}
	bom.Components = &comps
	if len(doc.Dependencies)+len(doc.Provides) > 0 {
		deps := make([]cdx.Dependency, 0, len(doc.Dependencies))
		at := map[string]int{}
		for _, d := range doc.Dependencies {
			on := append([]string{}, d.DependsOn...)
			at[d.Ref] = len(deps)
			deps = append(deps, cdx.Dependency{Ref: d.Ref, Dependencies: &on})
		}
		// the CBOM's "provides" edges (1.6+), on the same ref's entry
		for _, p := range doc.Provides {
			pr := append([]string{}, p.DependsOn...)
			if i, ok := at[p.Ref]; ok {
				deps[i].Provides = &pr
				continue
			}
			at[p.Ref] = len(deps)
			deps = append(deps, cdx.Dependency{Ref: p.Ref, Provides: &pr})
		}
		bom.Dependencies = &deps
	}
	// Encode, not EncodeVersion: cyclonedx-go v0.12.0 converts through a
	// gob copy of the BOM, and gob drops pointers to zero values, so a
	// CBOM's nistQuantumSecurityLevel 0 (quantum-vulnerable) vanished. The
	// BOM is built with 1.6 fields only, so there is nothing to convert.
	bom.SpecVersion, bom.JSONSchema = cdx.SpecVersion1_6, "http://cyclonedx.org/schema/bom-1.6.schema.json"
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX 1.6 JSON: %w", err)
	}
	return nil
}

func writeSPDXWhole(w io.Writer, doc *Document) error {
	out := &spdx23.Document{
		SPDXVersion: spdx23.Version, DataLicense: spdx23.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName: firstNonEmpty(doc.Name, "sbom"), DocumentNamespace: doc.URI,
		CreationInfo: &spdx23.CreationInfo{Created: doc.Created.UTC().Format(time.RFC3339)},
	}
	if doc.Created.IsZero() {
		out.CreationInfo.Created = time.Now().UTC().Format(time.RFC3339)
	}
	if out.DocumentNamespace == "" || !strings.Contains(out.DocumentNamespace, "://") {
		out.DocumentNamespace = "https://dualmark.invalid/spdx/" + spdxIDUnsafe.ReplaceAllString(firstNonEmpty(doc.URI, out.DocumentName), "-")
	}
	for _, c := range doc.Creators {
		kind, name, ok := strings.Cut(c, ": ")
		if !ok {
			kind, name = "Tool", c
		}
		if kind == "Person" && doc.CreatorContact != "" && !strings.Contains(name, "(") {
			name += " (" + doc.CreatorContact + ")"
		}
		out.CreationInfo.Creators = append(out.CreationInfo.Creators, common.Creator{CreatorType: kind, Creator: name})
	}
	out.CreationInfo.Creators = append(out.CreationInfo.Creators, common.Creator{CreatorType: "Tool", Creator: "dualmark"})
	ids := map[string]common.ElementID{}
	used := map[common.ElementID]bool{}
	pkgs := doc.Components
	if doc.Subject != nil && !hasRef(doc.Components, doc.Subject.Ref) {
		pkgs = append([]Component{*doc.Subject}, doc.Components...)
	}
	for i, c := range pkgs {
		id := common.ElementID(spdxIDUnsafe.ReplaceAllString(strings.TrimPrefix(c.Ref, "SPDXRef-"), "-"))
		if id == "" || used[id] {
			id = common.ElementID("Package-" + strconv.Itoa(i))
		}
		used[id] = true
		if c.Ref != "" {
			if _, dup := ids[c.Ref]; !dup {
				ids[c.Ref] = id
			}
		}
		out.Packages = append(out.Packages, toSPDX(c, id))
	}
	if doc.Subject != nil {
		if id, ok := ids[doc.Subject.Ref]; ok {
			out.Relationships = append(out.Relationships, &spdx23.Relationship{
				RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", string(id)), Relationship: "DESCRIBES"})
		}
	}
	for _, d := range doc.Dependencies {
		from, ok := ids[d.Ref]
		if !ok {
			continue
		}
		for _, t := range d.DependsOn {
			if to, ok := ids[t]; ok {
				out.Relationships = append(out.Relationships, &spdx23.Relationship{
					RefA: common.MakeDocElementID("", string(from)), RefB: common.MakeDocElementID("", string(to)), Relationship: "DEPENDS_ON"})
			}
		}
	}
	if err := spdxjson.Write(out, w, spdxjson.Indent("  ")); err != nil {
		return fmt.Errorf("write SPDX 2.3 JSON: %w", err)
	}
	return nil
}

// TestConvertStreamedIdentical converts real SBOMs of every format (and
// the CBOMs, whose "provides" edges take their own path) to both targets,
// streamed and with the libraries' encoders, and wants the same bytes.
func TestConvertStreamedIdentical(t *testing.T) {
	var files []string
	for _, pat := range []string{
		"sbom/cyclonedx-bom-examples/SBOM/*/bom.json", "sbom/cyclonedx-bom-examples/SBOM/*/bom.xml",
		"sbom/cyclonedx-bom-examples/CBOM/*/bom.json",
		"sbom/bom-shelter/in-the-wild/spdx/*.spdx.json", "sbom/bom-shelter/in-the-wild/spdx/*.spdx",
		"sbom/spdx-examples/software/example*/spdx3.0/*.json", "bench/synth-1000.cdx.json",
	} {
		m, _ := filepath.Glob(filepath.Join(testdata.Path(t, "sbom/.."), pat))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d SBOMs found", len(files))
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := 0
	for _, f := range files {
		if st, err := os.Stat(f); testing.Short() && (err != nil || st.Size() > 256<<10) {
			continue // -short (make race): the small files only
		}
		doc, err := ParseFile(f, Options{})
		if err != nil {
			continue // unreadable real files are other tests' business
		}
		if doc.Created.IsZero() {
			doc.Created = created // else the SPDX writer stamps the clock
		}
		n++
		for _, c := range []struct {
			target        string
			whole, stream func(io.Writer, *Document) error
		}{{TargetCycloneDX16JSON, writeCycloneDXWhole, writeCycloneDX}, {TargetSPDX23JSON, writeSPDXWhole, writeSPDX}} {
			var want, got bytes.Buffer
			errW, errS := c.whole(&want, doc), c.stream(&got, doc)
			if (errW != nil) != (errS != nil) {
				t.Errorf("%s to %s: errors differ: %v / %v", f, c.target, errW, errS)
				continue
			}
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				i := 0
				for i < min(want.Len(), got.Len()) && want.Bytes()[i] == got.Bytes()[i] {
					i++
				}
				t.Errorf("%s to %s: output differs at byte %d of %d: want %q, got %q", f, c.target, i, want.Len(),
					snippet(want.Bytes(), i), snippet(got.Bytes(), i))
			}
		}
	}
	if n < 20 && !testing.Short() || n < 5 {
		t.Errorf("only %d SBOMs read", n)
	}
	t.Logf("%d SBOMs, both targets, byte-identical", n)
}

func snippet(b []byte, i int) string {
	return string(b[max(0, i-40):min(len(b), i+40)])
}

// FuzzConvert converts every document the reader accepts to both targets,
// streamed and with the libraries' encoders: the bytes must be the same,
// and valid JSON.
func FuzzConvert(f *testing.F) {
	fuzzSeeds(f, "")
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		doc, err := Parse(bytes.NewReader(data), "fuzz", Options{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if doc.Created.IsZero() {
			doc.Created = created
		}
		for _, c := range []struct {
			whole, stream func(io.Writer, *Document) error
		}{{writeCycloneDXWhole, writeCycloneDX}, {writeSPDXWhole, writeSPDX}} {
			var want, got bytes.Buffer
			errW, errS := c.whole(&want, doc), c.stream(&got, doc)
			if (errW != nil) != (errS != nil) {
				t.Fatalf("errors differ: %v / %v", errW, errS)
			}
			if errS == nil && !bytes.Equal(want.Bytes(), got.Bytes()) {
				t.Fatalf("streamed output differs:\n%s\n----\n%s", want.Bytes(), got.Bytes())
			}
			if errS == nil && !json.Valid(got.Bytes()) {
				t.Fatalf("output is not JSON: %s", got.Bytes())
			}
		}
	})
}
