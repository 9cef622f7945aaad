package csaf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestOptionalTCCases runs the OASIS TC's test documents of the optional
// tests (6.2.1–6.2.20): each failing document fails its test id, each
// valid one does not. Where the TC has no valid document for a test, the
// TC's example bsi-2022-0001 is the valid one: it fails no optional test
// but 6.2.11 (its self reference is not its canonical URL).
func TestOptionalTCCases(t *testing.T) {
	dir, tc := tcCases(t)
	sch := schemas(t)
	bsi := testdata.Path(t, "csaf/oasis-csaf/csaf_2.0/examples/csaf/bsi-2022-0001.json")
	if got := optionalIDs(t, bsi, sch); !slices.Equal(got, []string{"6.2.11"}) {
		t.Errorf("bsi-2022-0001 fails %v, want only 6.2.11", got)
	}
	covered := map[string]bool{}
	for _, test := range tc.Tests {
		if !slices.ContainsFunc(Optional, func(o struct{ ID, Name string }) bool { return o.ID == test.ID }) {
			continue
		}
		valid := []string{bsi}
		if test.ID == "6.2.11" {
			valid = nil
		}
		for _, c := range test.Valid {
			valid = append(valid, filepath.Join(dir, c.Name))
		}
		if len(test.Failures) == 0 || len(valid) == 0 {
			t.Errorf("%s: %d failing and %d valid documents", test.ID, len(test.Failures), len(valid))
		}
		for _, c := range test.Failures {
			t.Run(test.ID+"/"+filepath.Base(c.Name), func(t *testing.T) {
				if got := optionalIDs(t, filepath.Join(dir, c.Name), sch); !slices.Contains(got, test.ID) {
					t.Errorf("test %s did not fail; failed: %v", test.ID, got)
				}
			})
		}
		for _, p := range valid {
			t.Run(test.ID+"/valid/"+filepath.Base(p), func(t *testing.T) {
				if got := optionalIDs(t, p, sch); slices.Contains(got, test.ID) {
					t.Errorf("test %s failed on a valid document (failed: %v)", test.ID, got)
				}
			})
		}
		covered[test.ID] = true
	}
	for _, o := range Optional {
		if !covered[o.ID] {
			t.Errorf("no TC documents for %s", o.ID)
		}
	}
}

// optionalIDs returns the distinct ids of the optional tests a document
// fails (some of the TC's documents fail a mandatory test too: 6.1.10,
// 6.1.25).
func optionalIDs(t *testing.T, p string, sch *Schemas) []string {
	t.Helper()
	var ids []string
	for _, p := range optionalOf(t, p, sch) {
		if !slices.Contains(ids, p.Test) {
			ids = append(ids, p.Test)
		}
	}
	slices.Sort(ids)
	return ids
}

// optionalOf runs the optional tests on the document at p.
func optionalOf(t *testing.T, p string, sch *Schemas) []Problem {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := OptionalTests(data, sch)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestOptionalExamples: the schema of 6.2.20 (the OASIS schema closed to
// undefined properties) accepts every TC example, whose properties are all
// the schema's, and 6.2.13 names at most ten objects and counts the rest.
func TestOptionalExamples(t *testing.T) {
	sch := schemas(t)
	files := oasisExamples(t)
	for _, f := range files {
		sorting := 0
		for _, p := range optionalOf(t, f, sch) {
			switch p.Test {
			case "6.2.20":
				t.Errorf("%s: %v", filepath.Base(f), p)
			case "6.2.13":
				sorting++
			}
		}
		if sorting > maxUnsorted+1 {
			t.Errorf("%s: %d sorting problems, want at most %d", filepath.Base(f), sorting, maxUnsorted+1)
		}
	}
}

// benchRedHat runs check on the largest staged Red Hat document (1.6 MB).
func benchRedHat(b *testing.B, check func([]byte, *Schemas) ([]Problem, error)) {
	data, err := os.ReadFile(testdata.Path(b, "csaf/redhat-csaf/rhsa-2024_4420.json"))
	if err != nil {
		b.Fatal(err)
	}
	sch := schemas(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := check(data, sch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOptionalRedHat runs the optional tests on the largest Red Hat
// document: what a publish or an import adds to the checks of
// BenchmarkCheckRedHat (docs/BENCHMARKS.md).
func BenchmarkOptionalRedHat(b *testing.B) { benchRedHat(b, OptionalTests) }

// BenchmarkCheckRedHat runs the schema and the mandatory tests on the same
// document: the yardstick of BenchmarkOptionalRedHat.
func BenchmarkCheckRedHat(b *testing.B) { benchRedHat(b, CheckBytes) }

// TestMarshalSorted: the VEX of the security camera's real scan, written by
// Marshal, passes 6.2.13 (written by encoding/json from the struct it does
// not) and reads back as the same document.
func TestMarshalSorted(t *testing.T) {
	sch := schemas(t)
	a, err := VEX(loadScan(t), camOptions(t, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		sorted bool
	}{{"struct order", encode(t, a), false}, {"Marshal", marshal(t, a), true}} {
		t.Run(c.name, func(t *testing.T) {
			ps, err := OptionalTests(c.data, sch)
			if err != nil {
				t.Fatal(err)
			}
			if unsorted := slices.ContainsFunc(ps, func(p Problem) bool { return p.Test == "6.2.13" }); unsorted == c.sorted {
				t.Errorf("6.2.13 failed: %t, want %t", unsorted, !c.sorted)
			}
			if ps, err := CheckBytes(c.data, sch); err != nil || len(ps) > 0 {
				t.Fatalf("%v %v", err, ps)
			}
			var back Advisory
			if err := json.Unmarshal(c.data, &back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(encode(t, &back), encode(t, a)) {
				t.Error("the document read back differs")
			}
		})
	}
}

func marshal(t *testing.T, a *Advisory) []byte {
	t.Helper()
	data, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
