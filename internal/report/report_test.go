package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/termtable"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var examples = []string{"smart-plug", "security-camera", "home-router"}

// cameraScan is a fixed scan result for the camera example, so the golden
// files show the scan section and a blocking KEV finding without depending
// on the advisory database.
func cameraScan() *match.Result {
	return &match.Result{
		Findings: []match.Finding{
			{Component: match.ComponentRef{Name: "nginx", Version: "1.22.1", PURL: "pkg:generic/nginx@1.22.1"},
				Advisory: match.AdvisoryRef{ID: "BIT-nginx-2023-44487", Aliases: []string{"CVE-2023-44487"}}, KEV: true, Severity: "high", Fixed: []string{"1.25.3"}},
			{Component: match.ComponentRef{Name: "busybox", Version: "1.36.1"}, Advisory: match.AdvisoryRef{ID: "CVE-2023-42366"}, Severity: "medium", Fixed: []string{}},
			{Component: match.ComponentRef{Name: "openssl", Version: "3.0.13"}, Advisory: match.AdvisoryRef{ID: "CVE-2024-5535"}, Severity: "critical", Fixed: []string{"3.0.15"}, Suppressed: true},
		},
		Summary: match.Summary{Components: 11, Suppressed: 1, KEV: 1, BySeverity: map[string]int{"high": 1, "medium": 1, "critical": 1}},
	}
}

// assessExample evaluates an example dossier with the real catalog. It does
// not read the SBOM (its quality result belongs to internal/sbom's tests):
// the router gets a fixed failing quality result and the camera a fixed scan.
func assessExample(t *testing.T, name string) *assess.Assessment {
	t.Helper()
	d, err := dossier.Load(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	d.File = "examples/" + name + "/dossier.yaml"
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	// A fixed assessment date, so the golden files do not change with the day.
	in := assess.Inputs{Catalog: cat, On: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Version: testVersion}
	switch name {
	case "security-camera":
		in.Scan = cameraScan()
		in.Database = cameraDB
	case "home-router":
		// A fixed SBOM quality result, so the golden files show it.
		in.SBOM = &assess.SBOMSummary{Path: "examples/home-router/sbom.cdx.json", Format: "cyclonedx", SpecVersion: "1.6", Components: 11,
			Profile: "bsi-tr03183-2.1", Failed: []string{"bsi-2.1/component-hash (11 component(s), e.g. /components/0)", "bsi-2.1/creator-contact: no email or URL of the SBOM creator"}}
	}
	a, err := assess.Evaluate(d, in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testVersion stands for dualmark's version in the golden files.
const testVersion = "v0.0.0-test"

// cameraDB is a fixed database snapshot for the camera's scan.
var cameraDB = &assess.DatabaseSnapshot{Built: time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC),
	NewestRecord: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Records: 304, KEVCatalog: "2026.12.01", EPSSDate: "2026-12-01"}

// TestHeader checks that every report in every format is headed by its
// date, dualmark's version and the database snapshot (or "no database"),
// and that the HTML report lists every finding, blocking ones first.
func TestHeader(t *testing.T) {
	for _, ex := range examples {
		a := assessExample(t, ex)
		db := "no database"
		if ex == "security-camera" {
			db = "built 2026-12-02 09:30 UTC, newest record 2026-12-01, 304 records"
		}
		for _, format := range Formats {
			t.Run(ex+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, a, format); err != nil {
					t.Fatal(err)
				}
				head := buf.String()[:min(buf.Len(), 1500)]
				switch format {
				case "json", "sarif":
					head = buf.String()
				case "html":
					body := buf.String()[strings.Index(buf.String(), "<body>"):]
					head = body[:strings.Index(body, "<h1>")]
				}
				for _, want := range []string{"2026-12-03", testVersion, db} {
					if format == "json" && want == db {
						continue // JSON carries the fields, checked below
					}
					if !strings.Contains(head, want) {
						t.Errorf("the %s report does not start with %q", format, want)
					}
				}
			})
		}
		var got struct {
			Generator assess.Generator         `json:"generator"`
			Database  *assess.DatabaseSnapshot `json:"database"`
		}
		var buf bytes.Buffer
		if err := JSON(&buf, a); err != nil || json.Unmarshal(buf.Bytes(), &got) != nil {
			t.Fatal(err)
		}
		if got.Generator.Version != testVersion || (got.Database != nil) != (ex == "security-camera") {
			t.Errorf("%s JSON: generator %+v, database %+v", ex, got.Generator, got.Database)
		}
	}
	a := assessExample(t, "security-camera")
	var buf bytes.Buffer
	if err := HTML(&buf, a); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	kev, medium, suppressed := strings.Index(html, "BIT-nginx-2023-44487"), strings.Index(html, "CVE-2023-42366"), strings.Index(html, "CVE-2024-5535")
	if kev < 0 || medium < 0 || suppressed < 0 || !(kev < medium && medium < suppressed) {
		t.Errorf("HTML findings: blocking KEV at %d, medium at %d, suppressed at %d; want all, in that order", kev, medium, suppressed)
	}
	if !strings.Contains(html, "@media print") {
		t.Error("HTML report has no print styles")
	}
}

func TestGolden(t *testing.T) {
	for _, ex := range examples {
		a := assessExample(t, ex)
		for _, format := range Formats {
			t.Run(ex+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, a, format); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", ex+Extension(format))
				if *update {
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file; if the change is intended run go test ./internal/report -update and review the diff", golden)
				}
			})
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, assessExample(t, "smart-plug"), "pdf"); err == nil || !strings.Contains(err.Error(), "table") {
		t.Errorf("err = %v", err)
	}
}

// TestHTMLSelfContained checks the page loads nothing from elsewhere and
// keeps the order summary, regime tables, gaps.
func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := HTML(&buf, assessExample(t, "home-router")); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<link", "<img", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if regexp.MustCompile(`(src|href)="`).MatchString(page) {
		t.Error("page references an external resource")
	}
	s, tbl, g := strings.Index(page, "<h2>Summary"), strings.Index(page, "<h2>EU Cyber Resilience Act"), strings.Index(page, "<h2>Gaps")
	if s < 0 || tbl < s || g < tbl {
		t.Errorf("sections out of order: summary %d, CRA table %d, gaps %d", s, tbl, g)
	}
}

// TestHTMLEscapes feeds markup through the dossier.
func TestHTMLEscapes(t *testing.T) {
	a := assessExample(t, "smart-plug")
	a.Product.Name = `<script>alert(1)</script>`
	var buf bytes.Buffer
	if err := HTML(&buf, a); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>alert") {
		t.Error("product name not escaped")
	}
	var md bytes.Buffer
	a.Product.Name = "a | b"
	if err := Markdown(&md, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), `a \| b`) {
		t.Error("pipe not escaped in Markdown")
	}
}

// TestSARIFSchema validates the SARIF output against the SARIF 2.1.0 schema.
func TestSARIFSchema(t *testing.T) {
	sch := compileSchemaFile(t, testdata.Path(t, "specs/sarif-2.1.0/sarif-schema-2.1.0.json"))
	validateExamples(t, sch, SARIF)
}

// compileSchemaFile compiles the JSON schema in the file at path.
func compileSchemaFile(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return sch
}

// validateExamples renders every example with render and validates the
// output against sch.
func validateExamples(t *testing.T, sch *jsonschema.Schema, render func(io.Writer, *assess.Assessment) error) {
	t.Helper()
	for _, ex := range examples {
		var buf bytes.Buffer
		if err := render(&buf, assessExample(t, ex)); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: %v", ex, err)
		}
	}
}

// TestJSONRoundTrip reads the JSON back into the Go type.
func TestJSONRoundTrip(t *testing.T) {
	a := assessExample(t, "security-camera")
	var buf bytes.Buffer
	if err := JSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	var back assess.Assessment
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Scan == nil || len(back.Scan.Blocking) != 1 || back.Regimes["cra"].Verdict != a.Regimes["cra"].Verdict {
		t.Errorf("round trip lost data: %+v", back.Scan)
	}
}

// TestJSONSchema validates the JSON golden files against
// docs/assessment.schema.json, the published form of the contract.
func TestJSONSchema(t *testing.T) {
	sch := compileSchemaFile(t, "../../docs/assessment.schema.json")
	validateExamples(t, sch, JSON)
	// A report that breaks the contract must fail.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"product":{"name":"x","manufacturer":"y","model":"z","class":"default"},"regimes":{"uk":{}},"reuse":{"settled":0,"partial":0,"total":0,"share":0,"byRegime":{}}}`))
	if sch.Validate(bad) == nil {
		t.Error("schema accepts an unknown regime")
	}
}

// TestTableWidth: at a fixed width the table wraps reasons and next steps
// instead of cutting them. Wrapping only moves words onto further lines, so
// the words of the wrapped report are exactly those of the unlimited one;
// the requirement and gap lines fit the width; colour appears only when
// asked for. The wrapped rendering is pinned by its own golden file.
func TestTableWidth(t *testing.T) {
	const width = 100
	a := assessExample(t, "security-camera")
	var wide, narrow, coloured bytes.Buffer
	if err := Table(&wide, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(&narrow, a, "table", termtable.Options{Width: width}); err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(&coloured, a, "table", termtable.Options{Width: width, Colour: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Fields(narrow.String()), strings.Fields(wide.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Error("wrapping changed the words of the report")
	}
	if strings.Contains(narrow.String(), "\x1b[") || strings.Contains(wide.String(), "\x1b[") {
		t.Error("colour codes without Options.Colour")
	}
	if !strings.Contains(coloured.String(), "\x1b[31mnot-met\x1b[0m") {
		t.Error("no red not-met with Options.Colour")
	}
	long := 0
	for _, l := range strings.Split(narrow.String(), "\n") {
		if termtable.Width(l) > width {
			long++
			// Only prose lines (headers, summaries) may run past the width:
			// table rows and gaps start with an ID or two spaces.
			if strings.HasPrefix(l, "CRA-") || strings.HasPrefix(l, "  cra") {
				t.Errorf("line wider than %d: %q", width, l)
			}
		}
	}
	wideLong := 0
	for _, l := range strings.Split(wide.String(), "\n") {
		if termtable.Width(l) > width {
			wideLong++
		}
	}
	if long >= wideLong {
		t.Errorf("%d lines wider than %d after wrapping, %d before", long, width, wideLong)
	}
	golden := filepath.Join("testdata", "security-camera.w100.txt")
	if *update {
		if err := os.WriteFile(golden, narrow.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(narrow.Bytes(), want) {
		t.Errorf("%s differs from the golden file; if the change is intended run go test ./internal/report -update and review the diff", golden)
	}
}
