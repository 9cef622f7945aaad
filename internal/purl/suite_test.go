package purl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// specCase is one case of the purl-spec test suite (purl-test.schema-0.2).
type specCase struct {
	Description     string          `json:"description"`
	Group           string          `json:"test_group"`
	Type            string          `json:"test_type"`
	Input           json.RawMessage `json:"input"`
	ExpectedOutput  json.RawMessage `json:"expected_output"`
	ExpectedFailure bool            `json:"expected_failure"`
}

type specComponents struct {
	Type       *string           `json:"type"`
	Namespace  *string           `json:"namespace"`
	Name       *string           `json:"name"`
	Version    *string           `json:"version"`
	Qualifiers map[string]string `json:"qualifiers"`
	Subpath    *string           `json:"subpath"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (c specComponents) purl() PURL {
	p := PURL{Type: deref(c.Type), Namespace: deref(c.Namespace), Name: deref(c.Name), Version: deref(c.Version), Subpath: deref(c.Subpath)}
	for k, v := range c.Qualifiers {
		p.Qualifiers = append(p.Qualifiers, Qualifier{k, v})
	}
	return p
}

// TestPurlSpecSuite runs every case of tests/spec and tests/types of the
// purl-spec repository.
func TestPurlSpecSuite(t *testing.T) {
	root := testdata.Path(t, "purl/purl-spec/tests")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	if len(files) < 40 {
		t.Fatalf("found only %d suite files under %s", len(files), root)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct{ Tests []specCase }
		if err := json.Unmarshal(data, &suite); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, c := range suite.Tests {
			total++
			name := filepath.Base(f) + "#" + itoa(i)
			runSpecCase(t, name, c)
		}
	}
	t.Logf("%d purl-spec cases", total)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func runSpecCase(t *testing.T, name string, c specCase) {
	t.Helper()
	switch c.Type {
	case "parse":
		var in string
		mustJSON(t, c.Input, &in)
		p, err := Parse(in)
		if c.ExpectedFailure {
			if err == nil {
				t.Errorf("%s (%s): Parse(%q) = %v, want failure", name, c.Description, in, p)
			}
			return
		}
		if err != nil {
			t.Errorf("%s (%s): Parse(%q): %v", name, c.Description, in, err)
			return
		}
		var want specComponents
		mustJSON(t, c.ExpectedOutput, &want)
		if got, w := p.String(), mustBuild(want.purl()).String(); got != w {
			t.Errorf("%s (%s): Parse(%q) = %+v (%s), want %+v", name, c.Description, in, p, got, want.purl())
		}
		checkComponents(t, name, p, want)
	case "build":
		var in specComponents
		mustJSON(t, c.Input, &in)
		p, err := Build(in.purl())
		if c.ExpectedFailure {
			if err == nil {
				t.Errorf("%s (%s): Build(%+v) = %s, want failure", name, c.Description, in.purl(), p)
			}
			return
		}
		var want string
		mustJSON(t, c.ExpectedOutput, &want)
		if err != nil || p.String() != want {
			t.Errorf("%s (%s): Build(%+v) = %s, %v; want %s", name, c.Description, in.purl(), p, err, want)
		}
	case "validate", "roundtrip":
		var in, want string
		mustJSON(t, c.Input, &in)
		got, err := Normalize(in)
		if c.ExpectedFailure {
			if err == nil {
				t.Errorf("%s (%s): Normalize(%q) = %s, want failure", name, c.Description, in, got)
			}
			return
		}
		mustJSON(t, c.ExpectedOutput, &want)
		if err != nil || got != want {
			t.Errorf("%s (%s): Normalize(%q) = %q, %v; want %q", name, c.Description, in, got, err, want)
		}
	default:
		t.Errorf("%s: unknown test_type %q", name, c.Type)
	}
}

func checkComponents(t *testing.T, name string, p PURL, want specComponents) {
	t.Helper()
	pairs := [][3]string{
		{"type", p.Type, deref(want.Type)},
		{"namespace", p.Namespace, deref(want.Namespace)},
		{"name", p.Name, deref(want.Name)},
		{"version", p.Version, deref(want.Version)},
		{"subpath", p.Subpath, deref(want.Subpath)},
	}
	for _, pr := range pairs {
		if pr[1] != pr[2] {
			t.Errorf("%s: %s = %q, want %q", name, pr[0], pr[1], pr[2])
		}
	}
	if len(p.Qualifiers) != len(want.Qualifiers) {
		t.Errorf("%s: qualifiers = %v, want %v", name, p.Qualifiers, want.Qualifiers)
	}
	for _, kv := range p.Qualifiers {
		if want.Qualifiers[kv.Key] != kv.Value {
			t.Errorf("%s: qualifier %s = %q, want %q", name, kv.Key, kv.Value, want.Qualifiers[kv.Key])
		}
	}
}

func mustBuild(p PURL) PURL {
	b, err := Build(p)
	if err != nil {
		return PURL{Name: "build failed: " + strings.TrimSpace(err.Error())}
	}
	return b
}

func mustJSON(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("suite JSON: %v", err)
	}
}
