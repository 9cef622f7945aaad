package csaf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

func schemas(t testing.TB) *Schemas {
	t.Helper()
	return NewSchemas(testdata.Path(t, "csaf/oasis-csaf/csaf_2.0"))
}

// TestMandatoryTCCases runs the OASIS TC's test documents for the
// mandatory tests implemented (6.1.1–6.1.33 but 6.1.11): each failure
// document must fail that test id, each valid one must not.
func TestMandatoryTCCases(t *testing.T) {
	dir, tc := tcCases(t)
	implemented := map[string]bool{}
	for _, m := range Mandatory {
		implemented[m.ID] = true
	}
	sch := schemas(t)
	ran := 0
	for _, test := range tc.Tests {
		if !implemented[test.ID] {
			continue
		}
		for _, c := range test.Failures {
			t.Run(test.ID+"/"+filepath.Base(c.Name), func(t *testing.T) {
				ps := checkFile(t, filepath.Join(dir, c.Name), sch)
				if !has(ps, test.ID) {
					t.Errorf("test %s did not fail; problems: %v", test.ID, ps)
				}
			})
			ran++
		}
		for _, c := range test.Valid {
			t.Run(test.ID+"/"+filepath.Base(c.Name), func(t *testing.T) {
				ps := checkFile(t, filepath.Join(dir, c.Name), sch)
				if has(ps, test.ID) {
					t.Errorf("test %s failed on a valid document: %v", test.ID, ps)
				}
			})
			ran++
		}
	}
	if ran < 140 {
		t.Errorf("ran %d TC documents, expected the 6.1.1–6.1.33 set (but 6.1.11)", ran)
	}
}

// tcCase is one test of the TC's testcases.json: its id and the paths,
// relative to its folder, of the documents that fail it and of the valid
// ones.
type tcCase struct {
	ID       string `json:"id"`
	Failures []struct {
		Name string `json:"name"`
	} `json:"failures"`
	Valid []struct {
		Name string `json:"name"`
	} `json:"valid"`
}

// tcCases reads the TC's testcases.json: its folder and the tests.
func tcCases(t *testing.T) (string, struct{ Tests []tcCase }) {
	t.Helper()
	dir := testdata.Path(t, "csaf/oasis-csaf/csaf_2.0/test/validator/data")
	data, err := os.ReadFile(filepath.Join(dir, "testcases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tc struct{ Tests []tcCase }
	if err := json.Unmarshal(data, &tc); err != nil {
		t.Fatal(err)
	}
	return dir, tc
}

func checkFile(t *testing.T, p string, sch *Schemas) []Problem {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := Check(f, sch)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func has(ps []Problem, id string) bool {
	for _, p := range ps {
		if p.Test == id {
			return true
		}
	}
	return false
}

// oasisExamples returns the paths of the TC's example documents (CSAF
// and CSAF VEX).
func oasisExamples(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testdata.Path(t, "csaf/oasis-csaf/csaf_2.0/examples/csaf"), "*.json"))
	vex, _ := filepath.Glob(filepath.Join(testdata.Path(t, "csaf/oasis-csaf/csaf_2.0/examples/csaf/csaf_vex"), "*.json"))
	files = append(files, vex...)
	if len(files) < 10 {
		t.Fatalf("only %d examples", len(files))
	}
	return files
}

// TestOASISExamplesPass: the TC's own example documents pass the schema
// and the mandatory tests.
func TestOASISExamplesPass(t *testing.T) {
	sch := schemas(t)
	files := oasisExamples(t)
	for _, f := range files {
		if ps := checkFile(t, f, sch); len(ps) > 0 {
			t.Errorf("%s: %v", filepath.Base(f), ps)
		}
	}
}

// TestCheckHostile: non-JSON and wrong types are errors or schema problems
// with a pointer, never a panic.
func TestCheckHostile(t *testing.T) {
	sch := schemas(t)
	for _, in := range []string{"", "{", "[]", `{"document":1}`, `{"document":{"category":"csaf_vex"},"product_tree":{"branches":[{"branches":"x"}]}}`} {
		ps, err := CheckBytes([]byte(in), sch)
		if err == nil && len(ps) == 0 {
			t.Errorf("%q accepted", in)
		}
		for _, p := range ps {
			if p.Test == "" || (p.Pointer == "" && !strings.Contains(p.Message, "missing") && in != "[]") {
				t.Logf("%q: %v", in, p)
			}
		}
	}
}
