package sarif

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestWriteValidates writes logs using every structure the package has and
// validates them against the OASIS SARIF 2.1.0 schema; a log the schema
// refuses must be refused, so the check can fail.
func TestWriteValidates(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile(testdata.Path(t, "specs/sarif-2.1.0/sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	loc := Location{PhysicalLocation: PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: "firmware.cdx.json"}},
		LogicalLocations: []LogicalLocation{{Name: "pkg:npm/lodash@4.17.20", Kind: "package"}}}
	tool := Tool{Driver: Driver{Name: "dualmark", Version: "v0.1.0", InformationURI: "https://github.com/dualmark/dualmark",
		Rules: []Rule{{ID: "CVE-2021-23337", ShortDescription: Message{Text: "Command injection in lodash <template>"},
			HelpURI: "https://osv.dev/vulnerability/CVE-2021-23337", Properties: map[string]any{"security-severity": "7.2"}}}}}
	tests := []struct {
		name  string
		log   *Log
		valid bool
	}{
		{"empty run", NewLog(Run{Tool: Tool{Driver: Driver{Name: "dualmark", InformationURI: "https://github.com/dualmark/dualmark", Rules: []Rule{}}}, Results: []Result{}}), true},
		{"result with location", NewLog(Run{Tool: tool, Results: []Result{{RuleID: "CVE-2021-23337", Level: LevelError,
			Message: Message{Text: "lodash@4.17.20 is affected"}, Locations: []Location{loc}}}}), true},
		{"suppressed result", NewLog(Run{Tool: tool, Results: []Result{{RuleID: "CVE-2021-23337", Level: LevelNote,
			Message: Message{Text: "x"}, Suppressions: []Suppression{{Kind: "external", Status: "accepted", Justification: "not_affected (vex.json)"}}}},
			Properties: map[string]any{"assessmentDate": "2026-12-03"}}), true},
		{"unknown level", NewLog(Run{Tool: tool, Results: []Result{{RuleID: "CVE-2021-23337", Level: "fatal", Message: Message{Text: "x"}}}}), false},
		{"unknown suppression kind", NewLog(Run{Tool: tool, Results: []Result{{RuleID: "CVE-2021-23337", Level: LevelNote,
			Message: Message{Text: "x"}, Suppressions: []Suppression{{Kind: "vex"}}}}}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.log); err != nil {
				t.Fatal(err)
			}
			if tc.valid && strings.Contains(buf.String(), `\u003c`) {
				t.Errorf("HTML characters escaped:\n%s", buf.String())
			}
			inst, err := jsonschema.UnmarshalJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(inst)
			if tc.valid && err != nil {
				t.Errorf("does not validate: %v", err)
			}
			if !tc.valid && err == nil {
				t.Error("validates, want a schema error")
			}
		})
	}
}
