package match

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestIndexKeysEqualLookupKeys is issue 11's property test of the one
// identifier rulebook (internal/ident), over the staged data:
//
//   - every staged advisory's affected package, looked up the way matching
//     looks it up (the name as the record spells it, and upper-cased in the
//     ecosystems whose names are case-insensitive), finds the record, and
//     matching's entry filter keeps that entry;
//   - every GIT range repository, given as an SBOM's vcs_url would give it
//     ("git+https://www.…​.git"), is found and compares equal to the range;
//   - every purl of the staged real SBOMs whose lookup finds records finds
//     only records of which matching keeps at least one entry (the index
//     never answers with a key matching then drops).
func TestIndexKeysEqualLookupKeys(t *testing.T) {
	db := realDB(t)
	defer db.Close()
	src := DBSource{DB: db}
	keeps := func(r *advisory.Record, eco, name string) bool {
		norm := NormalizeName(eco, name)
		for _, a := range r.Affected {
			if a.Package != nil && sameEcosystem(eco, a.Package.Ecosystem) && NormalizeName(eco, a.Package.Name) == norm {
				return true
			}
		}
		return false
	}
	foldable := map[string]bool{"PyPI": true, "NuGet": true, "crates.io": true, "Packagist": true, "Pub": true, "Hex": true}
	packages, repos := 0, 0
	for _, r := range staged(t) {
		if got, _ := db.LookupID(r.ID); len(got) == 0 {
			continue // a source realDB does not import
		}
		for _, a := range r.Affected {
			if a.Package == nil || a.Package.Name == "" {
				continue
			}
			names := []string{a.Package.Name}
			if foldable[advisory.BaseEcosystem(a.Package.Ecosystem)] {
				names = append(names, strings.ToUpper(a.Package.Name))
			}
			for _, name := range names {
				packages++
				recs, err := src.Lookup(a.Package.Ecosystem, name)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, got := range recs {
					if got.ID == r.ID {
						found = true
						if !keeps(got, a.Package.Ecosystem, name) {
							t.Errorf("%s %s/%s: found by the index, dropped by matching", r.ID, a.Package.Ecosystem, name)
						}
					}
				}
				if !found {
					t.Errorf("%s %s/%s: the lookup key does not find the record", r.ID, a.Package.Ecosystem, name)
				}
			}
			for _, rg := range a.Ranges {
				if rg.Type != "GIT" || rg.Repo == "" {
					continue
				}
				repos++
				host, path, _ := strings.Cut(advisory.NormalizeRepo(rg.Repo), "/") // the index's form
				vcs := "git+https://www." + host + "/" + path + ".git"
				if NormalizeRepo(vcs) != NormalizeRepo(rg.Repo) {
					t.Errorf("%s: vcs_url %s normalises to %s, the range's %s to %s", r.ID, vcs, NormalizeRepo(vcs), rg.Repo, NormalizeRepo(rg.Repo))
				}
				recs, err := src.LookupRepo(vcs)
				if err != nil {
					t.Fatal(err)
				}
				if !containsID(recs, r.ID) {
					t.Errorf("%s: vcs_url %s does not find the record", r.ID, vcs)
				}
			}
		}
	}
	// the real SBOMs' purls
	components, looked := 0, 0
	root := testdata.Path(t, "sbom")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		doc, err := sbom.ParseFile(path, sbom.Options{})
		if err != nil {
			return nil // not an SBOM this reader takes (schemas, fixtures)
		}
		for _, c := range doc.Components {
			q, reason := QueryFromPURL(c.PURL)
			if c.PURL == "" || reason != "" || q.Ecosystem == "" || q.Name == "" {
				continue
			}
			components++
			recs, err := src.Lookup(q.Ecosystem, q.Name)
			if err != nil {
				return err
			}
			if len(recs) > 0 {
				looked++
			}
			for _, r := range recs {
				if !keeps(r, q.Ecosystem, q.Name) {
					t.Errorf("%s: %s (%s/%s) found %s, which matching drops", filepath.Base(path), c.PURL, q.Ecosystem, q.Name, r.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d package look-ups of staged advisories, %d repositories, %d SBOM purls (%d finding records)", packages, repos, components, looked)
	if packages == 0 || components == 0 || looked == 0 {
		t.Fatal("the staged data exercised nothing")
	}
}

func containsID(recs []*advisory.Record, id string) bool {
	for _, r := range recs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// TestRecordCPEsReadsWhatTheIndexReads: matching reads a record's CPEs from
// the same fields the index stores them under (a "cpe" string in an
// affected entry's ecosystem_specific was indexed but not read before).
func TestRecordCPEsReadsWhatTheIndexReads(t *testing.T) {
	r := &advisory.Record{ID: "X-1",
		DatabaseSpecific: []byte(`{"cpes": ["cpe:2.3:a:vendor:one:*:*:*:*:*:*:*:*"]}`),
		Affected: []advisory.Affected{{
			DatabaseSpecific:  []byte(`{"cpes": ["cpe:2.3:a:vendor:two:*:*:*:*:*:*:*:*"]}`),
			EcosystemSpecific: []byte(`{"cpe": "cpe:2.3:a:vendor:three:1.0:*:*:*:*:*:*:*"}`),
		}},
	}
	var got []string
	for _, c := range RecordCPEs(r) {
		got = append(got, c.Vendor+":"+c.Product)
	}
	var want []string
	for _, s := range r.CPEs() {
		v, p, _ := advisory.CPEParts(s)
		want = append(want, v+":"+p)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(got) != 3 {
		t.Errorf("RecordCPEs read %v, the index %v", got, want)
	}
}
