package sbomquality

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// docDependenciesMaps is the map-based docDependencies that refIndex
// replaced, kept as the reference the new one must agree with.
func docDependenciesMaps(d *sbom.Document) string {
	if len(d.Components) == 0 {
		return ""
	}
	if len(d.Dependencies) == 0 {
		return "no dependency relationships at all"
	}
	known := map[string]bool{}
	if d.Subject != nil {
		known[d.Subject.Ref] = true
	}
	for i := range d.Components {
		known[d.Components[i].Ref] = true
	}
	reached := map[string]bool{}
	var problems problemList
	subjectListed := d.Subject == nil
	for _, dep := range d.Dependencies {
		if !known[dep.Ref] {
			problems.add("dependency source %q names no component", dep.Ref)
		}
		if d.Subject != nil && dep.Ref == d.Subject.Ref && len(dep.DependsOn) > 0 {
			subjectListed = true
		}
		reached[dep.Ref] = true
		for _, t := range dep.DependsOn {
			if !known[t] {
				problems.add("dependency target %q (of %q) names no component", t, dep.Ref)
			}
			reached[t] = true
		}
	}
	if !subjectListed {
		problems.add("the primary component lists no direct dependencies")
	}
	for i := range d.Components {
		c := &d.Components[i]
		if !reached[c.Ref] {
			problems.add("component %q (%s) appears in no dependency relationship", c.Name, c.Location)
		}
	}
	return problems.String()
}

// TestDocDependenciesAgrees checks docDependencies against the map-based
// reference on the real SBOMs of the shared data (CycloneDX and SPDX, with
// dangling refs, duplicates and orphans among them) and on edited copies
// of one: an unknown source and target, an orphan, a repeated ref, a
// subject whose ref a component shares, and refs left empty.
func TestDocDependenciesAgrees(t *testing.T) {
	var files []string
	for _, dir := range []string{"sbom/sbomqs", "sbom/cyclonedx-bom-examples", "sbom/spdx-examples"} {
		filepath.WalkDir(testdata.Path(t, dir), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".spdx")) {
				files = append(files, p)
			}
			return nil
		})
	}
	read, differing := 0, 0
	for _, f := range files {
		doc, err := sbom.ParseFile(f, sbom.Options{})
		if err != nil {
			continue
		}
		read++
		if got, want := docDependencies(doc), docDependenciesMaps(doc); got != want {
			differing++
			t.Errorf("%s:\n got %q\nwant %q", f, got, want)
		}
	}
	if read < 50 {
		t.Fatalf("only %d SBOMs of %d read", read, len(files))
	}
	base, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Dependencies) < 3 || len(base.Components) < 3 {
		t.Fatalf("keycloak: %d dependencies, %d components", len(base.Dependencies), len(base.Components))
	}
	for _, c := range []struct {
		name string
		edit func(d *sbom.Document)
		want string // a part of the verdict
	}{
		{"unknown source", func(d *sbom.Document) { d.Dependencies[1].Ref = "nowhere" }, `dependency source "nowhere"`},
		{"unknown target", func(d *sbom.Document) { d.Dependencies[0].DependsOn = append(d.Dependencies[0].DependsOn, "gone") }, `target "gone"`},
		{"orphan", func(d *sbom.Document) {
			d.Components = append([]sbom.Component{{Ref: "lonely", Name: "lonely"}}, d.Components...)
		}, `component "lonely" () appears in no dependency`},
		{"repeated ref", func(d *sbom.Document) { d.Components[2].Ref = d.Components[1].Ref }, ""},
		{"subject shares a ref", func(d *sbom.Document) { d.Subject.Ref = d.Components[0].Ref }, ""},
		{"empty refs", func(d *sbom.Document) { d.Components[0].Ref, d.Dependencies[0].Ref = "", "" }, ""},
		{"no subject", func(d *sbom.Document) { d.Subject = nil }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := *base
			d.Components = append([]sbom.Component(nil), base.Components...)
			d.Dependencies = append([]sbom.Dependency(nil), base.Dependencies...)
			d.Dependencies[0].DependsOn = append([]string(nil), base.Dependencies[0].DependsOn...)
			if base.Subject != nil {
				s := *base.Subject
				d.Subject = &s
			}
			c.edit(&d)
			got, want := docDependencies(&d), docDependenciesMaps(&d)
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("verdict %q does not say %q", got, c.want)
			}
		})
	}
}
