package sbom

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// inventoryEntry is one document of sbom/sbom-inventory.json, which records
// format, spec version and the component count of each staged SBOM.
type inventoryEntry struct {
	File        string `json:"file"`
	Format      string `json:"format"`
	SpecVersion string `json:"spec_version"`
	Components  int    `json:"components"`
	WithPURL    int    `json:"with_purl"`
}

// loadInventory reads sbom-inventory.json and returns the shared data
// directory its file names are relative to, and its entries.
func loadInventory(tb testing.TB) (root string, entries []inventoryEntry) {
	tb.Helper()
	invPath := testdata.Path(tb, "sbom/sbom-inventory.json")
	data, err := os.ReadFile(invPath)
	if err != nil {
		tb.Fatal(err)
	}
	var inv struct{ SBOMs []inventoryEntry }
	if err := json.Unmarshal(data, &inv); err != nil {
		tb.Fatalf("%s: %v", invPath, err)
	}
	return filepath.Dir(filepath.Dir(invPath)), inv.SBOMs
}

// inventoryRejections lists the staged documents that dualmark refuses, with
// a fragment of the precise reason it must give.
var inventoryRejections = map[string]string{
	// the file is cut off inside the licence text of its last package
	"sbom/bom-shelter/in-the-wild/spdx/istio-source.spdx": "line 59827: <text> block of PackageCopyrightText is never closed",
}

// inventoryCountExceptions lists documents whose inventory count differs
// from the count contract, with the reason.
var inventoryCountExceptions = map[string]struct {
	want   int
	reason string
}{}

// TestInventory walks every document of sbom-inventory.json and asserts that
// it parses with the recorded format, version and component count, or is
// rejected with the recorded reason.
func TestInventory(t *testing.T) {
	root, inv := loadInventory(t)
	parsed := 0
	for _, e := range inv {
		doc, err := ParseFile(filepath.Join(root, e.File), Options{})
		if reason, ok := inventoryRejections[e.File]; ok {
			if err == nil || !strings.Contains(err.Error(), reason) {
				t.Errorf("%s: want rejection containing %q, got %v", e.File, reason, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s (%s %s): %v", e.File, e.Format, e.SpecVersion, err)
			continue
		}
		parsed++
		want := e.Components
		if ex, ok := inventoryCountExceptions[e.File]; ok {
			want = ex.want
		}
		if len(doc.Components) != want {
			t.Errorf("%s: %d components, inventory says %d", e.File, len(doc.Components), e.Components)
		}
		if f, enc := inventoryFormat(e.Format); doc.Format != f || doc.Encoding != enc {
			t.Errorf("%s: detected %s/%s, inventory says %s", e.File, doc.Format, doc.Encoding, e.Format)
		}
		if doc.SpecVersion != e.SpecVersion {
			t.Errorf("%s: spec version %s, inventory says %s", e.File, doc.SpecVersion, e.SpecVersion)
		}
	}
	t.Logf("%d of %d inventory documents parsed, %d rejected as expected", parsed, len(inv), len(inventoryRejections))
}

// TestCycloneDXFastPathAgrees checks that the gjson hot path and the
// encoding/json reference reader give identical documents for every
// CycloneDX JSON SBOM of the inventory.
func TestCycloneDXFastPathAgrees(t *testing.T) {
	root, inv := loadInventory(t)
	n := 0
	for _, e := range inv {
		if !strings.HasPrefix(e.Format, "CycloneDX-JSON") || strings.HasSuffix(e.File, ".gz") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, e.File))
		if err != nil {
			t.Fatal(err)
		}
		slow, err1 := parseCycloneDXJSON(src)
		fast, err2 := parseCycloneDXJSONFast(src)
		if (err1 == nil) != (err2 == nil) {
			t.Errorf("%s: reference error %v, fast path error %v", e.File, err1, err2)
			continue
		}
		if err1 != nil {
			continue
		}
		finish(slow)
		finish(fast)
		if !reflect.DeepEqual(slow, fast) {
			for i := range slow.Components {
				if i < len(fast.Components) && !reflect.DeepEqual(slow.Components[i], fast.Components[i]) {
					t.Errorf("%s: component %d differs:\nref  %+v\nfast %+v", e.File, i, slow.Components[i], fast.Components[i])
					break
				}
			}
			t.Errorf("%s: fast path and reference reader disagree", e.File)
		}
		n++
	}
	t.Logf("%d CycloneDX JSON documents compared", n)
}

func inventoryFormat(f string) (format, encoding string) {
	switch {
	case strings.HasPrefix(f, "CycloneDX-JSON"):
		return FormatCycloneDX, EncodingJSON
	case f == "CycloneDX-XML":
		return FormatCycloneDX, EncodingXML
	case f == "SPDX-JSON":
		return FormatSPDX, EncodingJSON
	case f == "SPDX-TV":
		return FormatSPDX, EncodingTagValue
	case f == "SPDX3-JSONLD":
		return FormatSPDX, EncodingJSONLD
	}
	return f, ""
}
