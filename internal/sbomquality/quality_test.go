package sbomquality

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/testdata"
)

// bsiFixtureField maps the field part of a BSI fixture name
// (<verdict><Field>.<format>.json) to the profile and check it exercises.
var bsiFixtureField = []struct {
	prefix, profile, check string
}{
	{"ComponentAuthorEmail", ProfileBSI21, "comp-creator"},
	{"ComponentManufacturer", ProfileBSI21, "comp-creator"},
	{"ComponentSupplierEmail", ProfileBSI21, "comp-creator"},
	{"ComponentSupplierURL", ProfileBSI21, "comp-creator"},
	{"ComponentOrganizationSupplier", ProfileNTIA, "comp-supplier"},
	{"ComponentPersonSupplier", ProfileNTIA, "comp-supplier"},
	{"ComponentSupplier", ProfileNTIA, "comp-supplier"},
	{"MetadataAuthorEmail", ProfileBSI21, "sbom-creator"},
	{"MetadataManufacturer", ProfileBSI21, "sbom-creator"},
	{"MetadataSupplier", ProfileBSI21, "sbom-creator"},
	{"MetadataCreatorEmail", ProfileBSI21, "sbom-creator"},
	{"MetadataOrganizationCreator", ProfileNTIA, "sbom-author"},
	{"MetadataPersonCreator", ProfileNTIA, "sbom-author"},
	{"MetadataCreator", ProfileNTIA, "sbom-author"},
	{"MetadataAuthor", ProfileNTIA, "sbom-author"},
	{"MetadataTimestamp", ProfileBSI21, "sbom-timestamp"},
	{"SerialNumber", ProfileBSI21, "sbom-uri"},
	{"DocumentNamespace", ProfileBSI21, "sbom-uri"},
	{"PrimaryComponent", ProfileBSI21, "primary-component"},
	{"ComponentName", ProfileBSI21, "comp-name"},
	{"ComponentVersion", ProfileBSI21, "comp-version"},
	{"ComponentBsiFilename", ProfileBSI21, "comp-filename"},
	{"ComponentBsiExecutable", ProfileBSI21, "comp-executable"},
	{"ComponentBsiArchive", ProfileBSI21, "comp-archive"},
	{"ComponentBsiStructured", ProfileBSI21, "comp-structured"},
	{"ComponentBsiEffectiveLicense", ProfileBSI21, "comp-effective-license"},
	{"ComponentDeployableHash", ProfileBSI21, "comp-deployable-hash"},
	{"ComponentExtRefDistributionHashSHA", ProfileBSI21, "comp-deployable-hash"},
	{"ComponentExtRefDistributionIntakeHashSHA", ProfileBSI21, "comp-deployable-hash"},
	{"ComponentHash", ProfileBSI11, "comp-hash"},
	{"ComponentLicense", ProfileBSI21, "comp-license"},
	{"ComponentSourceCodeURL", ProfileBSI21, "comp-source-url"},
	{"ComponentDownloadURL", ProfileBSI21, "comp-download-url"},
	{"ComponentSecurityTxtURL", ProfileBSI21, "comp-security-txt"},
	{"ComponentSourceHash", ProfileBSI21, "comp-source-hash"},
	{"ComponentOtherUniqueIDs", ProfileBSI21, "comp-other-ids"},
	{"ComponentPURL", ProfileBSI21, "comp-other-ids"},
	{"ComponentCPE", ProfileBSI21, "comp-other-ids"},
	{"ComponentSWID", ProfileBSI21, "comp-other-ids"},
	{"DependencyInfo", ProfileBSI21, "comp-dependencies"},
	{"ComponentDependencies", ProfileBSI21, "comp-dependencies"},
}

// bsiFixtureSkipped are fixtures whose name does not determine the verdict
// of one rule, with the reason.
var bsiFixtureSkipped = map[string]string{
	"mixComponentLicenses":                            "mixes valid and invalid licences on purpose; no single expected verdict",
	"leafComponentNoDependencies":                     "a leaf without dependencies is legitimate, the rest of the graph decides",
	"primaryNoDependencies":                           "covered by comp-dependencies; sbomqs's reading of it is not stated",
	"noVulnerabilities":                               "vulnerability content is not a BSI 2.1 field rule dualmark checks",
	"withVulnerabilities":                             "vulnerability content is not a BSI 2.1 field rule dualmark checks",
	"validComponentExtRefDistributionHashMD5":         "an extRef that is valid CycloneDX; the MD5 hash still fails the deployable-hash rule",
	"validComponentExtRefDistributionHashSHA1":        "as above, SHA-1",
	"validComponentExtRefDistributionHashEmpty":       "as above, no hash",
	"validComponentExtRefDistributionIntakeHashMD5":   "as above, MD5",
	"validComponentExtRefDistributionIntakeHashSHA1":  "as above, SHA-1",
	"validComponentExtRefDistributionIntakeHashEmpty": "as above, no hash",
	"validFullyCompliantBsiV21":                       "checked whole in TestBSIFullyCompliant",
	"validFullyCompliantBsiV11":                       "checked whole in TestBSIFullyCompliant",
}

// TestBSIFixtures runs every BSI TR-03183-2 fixture of sbomqs and checks that
// the rule the fixture is about passes for valid* fixtures and fails for
// invalid*, missing*, absent*, broken*, orphan*, partial* and none* ones.
func TestBSIFixtures(t *testing.T) {
	root := testdata.Path(t, "sbom/sbomqs/bsi-tr-03183-fixtures")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	checked := 0
	for _, f := range files {
		base := filepath.Base(f)
		stem := base[:strings.IndexByte(base, '.')]
		if strings.HasPrefix(filepath.Base(filepath.Dir(f)), "spdx3") {
			continue // SPDX 3 fixtures: TestBSISPDX3Fixtures
		}
		if _, skip := bsiFixtureSkipped[stem]; skip {
			continue
		}
		wantPass, field := fixtureVerdict(stem)
		if field == "" {
			t.Errorf("%s: cannot tell the expected verdict from the name", base)
			continue
		}
		profile, check := "", ""
		for _, m := range bsiFixtureField {
			if strings.HasPrefix(field, m.prefix) {
				profile, check = m.profile, m.check
				break
			}
		}
		if check == "" {
			t.Errorf("%s: no rule mapped for field %q", base, field)
			continue
		}
		doc, err := sbom.ParseFile(f, sbom.Options{})
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		rep, err := Check(doc, profile)
		if err != nil {
			t.Fatal(err)
		}
		res, ok := rep.Result(check)
		if !ok {
			t.Fatalf("profile %s has no check %s", profile, check)
		}
		if res.Pass != wantPass {
			t.Errorf("%s/%s: %s/%s pass=%v, want %v (%s %v)", filepath.Base(filepath.Dir(f)), base, profile, check, res.Pass, wantPass, res.Detail, res.Offending)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d fixtures checked", checked)
	}
	t.Logf("%d BSI fixtures checked", checked)
}

func fixtureVerdict(stem string) (pass bool, field string) {
	for _, p := range []struct {
		prefix string
		pass   bool
	}{{"valid", true}, {"invalid", false}, {"missing", false}, {"absent", false}, {"broken", false},
		{"orphan", false}, {"partial", false}, {"none", false}} {
		if rest, ok := strings.CutPrefix(stem, p.prefix); ok {
			if p.prefix == "broken" || p.prefix == "orphan" {
				return p.pass, "ComponentDependencies"
			}
			return p.pass, rest
		}
	}
	return false, ""
}

func TestBSIFullyCompliant(t *testing.T) {
	for _, c := range []struct{ file, profile string }{
		{"sbom/sbomqs/bsi-tr-03183-fixtures/cdx/validFullyCompliantBsiV21.cdx16.json", ProfileBSI21},
		{"sbom/sbomqs/bsi-tr-03183-fixtures/spdx/validFullyCompliantBsiV11.spdx23.json", ProfileBSI11},
	} {
		doc, err := sbom.ParseFile(testdata.Path(t, c.file), sbom.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Check(doc, c.profile)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			for _, r := range rep.Checks {
				if !r.Pass && r.Mandatory {
					t.Errorf("%s: %s fails: %s %v", c.file, r.ID, r.Detail, r.Offending)
				}
			}
		}
	}
	// a real-world SBOM generated by a scanner is far from BSI compliance
	doc, err := sbom.ParseFile(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"), sbom.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := Check(doc, ProfileBSI21); rep.Pass {
		t.Error("keycloak bom.json passes BSI TR-03183-2 v2.1; it has no file names or deployable hashes")
	}
}

func TestCheckUnknownProfile(t *testing.T) {
	if _, err := Check(&sbom.Document{}, "iso-9999"); err == nil || !strings.Contains(err.Error(), "bsi-tr03183-2.1") {
		t.Errorf("unknown profile error does not list the profiles: %v", err)
	}
}

// spdx3FixtureCheck maps the SPDX 3 fixtures "v2.1.0-two-comps-one-with-X"
// (component A has field X, component B lacks it) and
// "v2.1.0-doc-missing-X" to the rule they exercise.
var spdx3FixtureCheck = map[string]string{
	"filename": "comp-filename", "deployable-hash": "comp-deployable-hash", "executable-prop": "comp-executable",
	"archive-prop": "comp-archive", "structured-prop": "comp-structured", "declared-license": "comp-declared-license",
	"effective-license": "comp-effective-license", "purl-cpe": "comp-other-ids", "download-url": "comp-download-url",
	"source-code-url": "comp-source-url", "source-code-hash": "comp-source-hash", "security-txt-url": "comp-security-txt",
	"creator": "comp-creator", "dependencies": "comp-dependencies",
	// concluded-license is not mapped: dualmark accepts a declared licence
	// where no concluded one is given (Component.Licenses).
}

var spdx3DocCheck = map[string]string{
	"creator": "sbom-creator", "timestamp": "sbom-timestamp", "spec-version": "sbom-spec-version", "sbom-uri": "sbom-uri",
}

func TestBSISPDX3Fixtures(t *testing.T) {
	dir := testdata.Path(t, "sbom/sbomqs/bsi-tr-03183-fixtures/spdx3")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		field, isComp := strings.CutPrefix(name, "v2.1.0-two-comps-one-with-")
		docField, isDoc := strings.CutPrefix(name, "v2.1.0-doc-missing-")
		check := ""
		switch {
		case isComp:
			check = spdx3FixtureCheck[field]
		case isDoc:
			check = spdx3DocCheck[docField]
		}
		if check == "" {
			continue
		}
		doc, err := sbom.ParseFile(filepath.Join(dir, e.Name()), sbom.Options{})
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		rep, _ := Check(doc, ProfileBSI21)
		res, _ := rep.Result(check)
		// per the fixtures' README: a leaf without dependsOn leaves the tree
		// complete, and the spec version is known from @context
		wantPass := field == "dependencies" || docField == "spec-version"
		if res.Pass != wantPass {
			t.Errorf("%s: %s pass=%v, want %v (%s %v)", e.Name(), check, res.Pass, wantPass, res.Detail, res.Offending)
		}
		if isComp && !wantPass {
			// only component B may offend
			if len(res.Offending) != 1 || strings.Contains(res.Offending[0], doc.Components[0].Name+" ") {
				t.Errorf("%s: %s offending = %v, want only the second component", e.Name(), check, res.Offending)
			}
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d SPDX 3 fixtures checked", checked)
	}
}
