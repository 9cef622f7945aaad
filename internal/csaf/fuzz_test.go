package csaf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// FuzzRead: no input makes the streaming reader, the matcher or the
// mandatory tests panic. Seeded with real CISA and OASIS documents.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdata.Path(f, "csaf/cisa-ics-csaf/raw-2024"), "icsa-24-0*.json"))
	more, _ := filepath.Glob(filepath.Join(testdata.Path(f, "csaf/oasis-csaf/csaf_2.0/test/validator/data/mandatory"), "*-6-1-0*.json"))
	for _, p := range append(seeds[:min(len(seeds), 8)], more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Read(bytes.NewReader(data), Limits{MaxProducts: 10000})
		if err == nil {
			e.Affects(Device{Vendor: "Siemens", Name: "SIMATIC", Version: "1.0"})
		}
		var a Advisory
		if jsonErr := json.Unmarshal(data, &a); jsonErr == nil {
			if _, err := MandatoryTests(&a, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzMandatory: no document makes the mandatory tests from 6.1.9 on
// panic. Seeded with the OASIS TC's test documents for them.
func FuzzMandatory(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdata.Path(f, "csaf/oasis-csaf/csaf_2.0/test/validator/data/mandatory"), "*-6-1-[123]*.json"))
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			moreMandatoryTests(v)
		}
	})
}
