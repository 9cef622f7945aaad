package match

import (
	"encoding/json"
	"testing"
)

// TestSeverityWordAgreesWithJSON checks the allocation-free severity word
// against encoding/json on every raw object of the staged records and on
// hand-made edge cases (key case and folding, duplicates, escapes, non-string
// values, invalid JSON).
func TestSeverityWordAgreesWithJSON(t *testing.T) {
	raws := []string{
		``, `null`, `{}`, `[]`, `"HIGH"`, `{"severity":"HIGH"}`, `{"Severity":"low"}`,
		`{"SEVERITY":"Moderate"}`, `{"ſeverity":"critical"}`, `{"\u0073everity":"high"}`,
		`{"severity":"low","severity":"high"}`, `{"severity":"low","Severity":7}`,
		`{"severity":7,"severity":"high"}`, `{"severity":null}`, `{"severity":{"a":1}}`,
		`{"severity":["high"]}`, `{"severity":"\u0048IGH"}`, `{"severity":"HIGH"`,
		`{"severity":"HIGH"} x`, ` {"x":{"severity":"HIGH"}} `, `{"x":1,"severity":" high "}`,
		`{"severity":"\ud800"}`, "{\"severity\":\"hi\xffgh\"}", `{"severityx":"high"}`,
		`{"sev":"high"}`, `{"severity":true}`, `{"cwe_ids":["CWE-79"],"severity":"MODERATE","github_reviewed":true}`,
	}
	for _, r := range staged(t) {
		raws = append(raws, string(r.DatabaseSpecific))
		for i := range r.Affected {
			raws = append(raws, string(r.Affected[i].DatabaseSpecific), string(r.Affected[i].EcosystemSpecific))
		}
	}
	n := 0
	for _, raw := range raws {
		gw, gok := severityWord(json.RawMessage(raw))
		jw, jok := severityWordJSON(json.RawMessage(raw))
		// The word is only ever passed through levelWord; a null value
		// decodes to "" without error in encoding/json and is reported as
		// absent by severityWord: the same level ("") either way.
		if (gok && jok && gw != jw) || levelWord(gw) != levelWord(jw) {
			t.Errorf("%q: severityWord (%q, %v), encoding/json (%q, %v)", raw, gw, gok, jw, jok)
		}
		if jok {
			n++
		}
	}
	t.Logf("%d raw objects, %d with a severity word", len(raws), n)
}
