package sbom

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzzing limits. Go's fuzzer minimises every new interesting input before
// it reports it, running the target once per try and counting none of
// those runs: with seeds of up to 32 kB the workers spent whole 60 s runs
// minimising at "0 execs/s" (docs/HARDENING.md). Small seeds and a cap on
// the input the target looks at keep each try, and so the minimisation,
// short; `make fuzz` also caps -fuzzminimizetime.
const (
	maxFuzzSeed  = 4 << 10  // seeds larger than this are left out
	maxFuzzInput = 64 << 10 // inputs the mutator grows past this are skipped
	maxFuzzSeeds = 24
)

// fuzzSeeds adds the small real SBOMs of the inventory whose recorded
// format starts with prefix as seeds, smallest first.
func fuzzSeeds(f *testing.F, prefix string) {
	root, inv := loadInventory(f)
	var seeds [][]byte
	for _, e := range inv {
		if !strings.HasPrefix(e.Format, prefix) || strings.HasSuffix(e.File, ".gz") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.File))
		if err != nil || len(b) > 32<<10 {
			continue
		}
		seeds = append(seeds, b)
	}
	slices.SortStableFunc(seeds, func(a, b []byte) int { return len(a) - len(b) })
	for i, b := range seeds {
		// the smallest few are kept whatever their size, so that every
		// format has seeds
		if i >= maxFuzzSeeds || i >= 3 && len(b) > maxFuzzSeed {
			break
		}
		f.Add(b)
	}
}

// fuzzDecoder checks that a decoder never panics, and that a document it
// accepts is consistent: every component has a location, warnings name a
// place.
func fuzzDecoder(f *testing.F, decode func([]byte) (*Document, error)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		doc, err := decode(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		finish(doc)
		for i, c := range doc.Components {
			if c.Location == "" {
				t.Fatalf("component %d has no location", i)
			}
		}
		for _, w := range doc.Warnings {
			if w.Location == "" || w.Message == "" {
				t.Fatalf("warning without place or message: %+v", w)
			}
		}
	})
}

func FuzzCycloneDXJSON(f *testing.F) {
	fuzzSeeds(f, "CycloneDX-JSON")
	fuzzDecoder(f, func(b []byte) (*Document, error) {
		fast, errFast := parseCycloneDXJSONFast(b)
		if errFast != nil {
			// the fast path may be stricter: encoding/json matches keys
			// case-insensitively ("BOMFORMAT"), gjson does not
			return nil, errFast
		}
		// what the fast path accepts, the reference reader reads alike
		ref, errRef := parseCycloneDXJSON(b)
		if errRef != nil {
			panic("fast path accepted what the reference reader rejects: " + errRef.Error())
		}
		if len(fast.Components) != len(ref.Components) && !caseVariantKeys(b) {
			panic("component counts differ")
		}
		return fast, nil
	})
}

// caseVariantKeys reports whether b holds a key such as "Components" that
// encoding/json (the reference reader) matches case-insensitively while the
// fast path, like the CycloneDX schema, does not.
func caseVariantKeys(b []byte) bool {
	lower := bytes.ToLower(b)
	for _, k := range []string{`"components"`, `"bomFormat"`, `"specVersion"`, `"metadata"`, `"dependencies"`, `"name"`, `"version"`, `"purl"`, `"type"`, `"bom-ref"`} {
		if bytes.Count(lower, bytes.ToLower([]byte(k))) != bytes.Count(b, []byte(k)) {
			return true
		}
	}
	return false
}

func FuzzCycloneDXXML(f *testing.F) {
	fuzzSeeds(f, "CycloneDX-XML")
	fuzzDecoder(f, parseCycloneDXXML)
}

func FuzzSPDXJSON(f *testing.F) {
	fuzzSeeds(f, "SPDX-JSON")
	fuzzDecoder(f, func(b []byte) (*Document, error) { return parseSPDX2JSON(b, EncodingJSON) })
}

func FuzzSPDXTagValue(f *testing.F) {
	fuzzSeeds(f, "SPDX-TV")
	fuzzDecoder(f, parseSPDXTagValue)
}

func FuzzSPDX3(f *testing.F) {
	fuzzSeeds(f, "SPDX3")
	fuzzDecoder(f, parseSPDX3)
}

// FuzzParse drives the whole entry point: gzip, detection, every decoder.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		doc, err := Parse(bytes.NewReader(data), "fuzz", Options{MaxBytes: 1 << 20})
		if err == nil && doc.Format == "" {
			t.Fatal("accepted document without a format")
		}
	})
}

// TestXMLMutations complements FuzzCycloneDXXML, which Go's fuzz engine
// stalls on after the baseline run (the decoder is idle then: a watchdog
// inside the target never fired): it mutates the real XML seeds with a
// fixed random source for a few seconds and fails on a panic or an input
// that takes more than two seconds.
func TestXMLMutations(t *testing.T) {
	root, inv := loadInventory(t)
	var seeds [][]byte
	for _, e := range inv {
		if e.Format == "CycloneDX-XML" {
			if b, err := os.ReadFile(filepath.Join(root, e.File)); err == nil && len(b) < 32<<10 {
				seeds = append(seeds, b)
			}
		}
	}
	if len(seeds) == 0 {
		t.Fatal("no XML seeds")
	}
	r := rand.New(rand.NewSource(20261129))
	deadline := time.Now().Add(3 * time.Second)
	n := 0
	for ; time.Now().Before(deadline); n++ {
		b := append([]byte{}, seeds[r.Intn(len(seeds))]...)
		for k := 0; k < 1+r.Intn(8); k++ {
			i := r.Intn(len(b))
			switch r.Intn(4) {
			case 0:
				b[i] = byte(r.Intn(256))
			case 1:
				b = b[:i]
			case 2:
				b = append(b[:i], append([]byte{"<>&;\"'/="[r.Intn(8)]}, b[i:]...)...)
			case 3:
				if j := r.Intn(len(b)); j > i {
					b = append(b[:i], b[j:]...)
				}
			}
			if len(b) == 0 {
				b = []byte("<")
			}
		}
		start := time.Now()
		if doc, err := parseCycloneDXXML(b); err == nil {
			finish(doc)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("input %d took %v: %q", n, d, b[:min(200, len(b))])
		}
	}
	t.Logf("%d mutated XML documents", n)
}

// FuzzCycloneDXJSONStream checks the streamed reader against the whole
// one: what it reads (in windows of 1 to 256 bytes, so that values span
// them) must be the document parseCycloneDXJSONFast makes of the same
// bytes; what it leaves to the whole reader is fine.
func FuzzCycloneDXJSONStream(f *testing.F) {
	fuzzSeeds(f, "CycloneDX-JSON")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput || len(data) == 0 {
			return
		}
		defer func(w int) { streamWindow = w }(streamWindow)
		streamWindow = 1 + int(data[len(data)-1])
		got, err := parseCycloneDXJSONStream(bytes.NewReader(data), int64(len(data)), -1)
		if err != nil {
			if err != errNoStream {
				t.Fatalf("streamed reader failed with %v, not errNoStream", err)
			}
			return
		}
		want, err := parseCycloneDXJSONFast(data)
		if err != nil {
			t.Fatalf("streamed what the whole reader rejects: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("streamed document differs:\n%+v\n%+v", got, want)
		}
	})
}
