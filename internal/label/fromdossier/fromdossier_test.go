package fromdossier

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestAssess: for every example, the assessment a label signs validates
// against docs/assessment.schema.json, and the summary states what the
// assessment says — identity, verdicts, support end, update policy,
// post-quantum line — with the SBOM as an artifact.
func TestAssess(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile("../../../docs/assessment.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	on := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, ex := range []string{"smart-plug", "home-router", "security-camera"} {
		t.Run(ex, func(t *testing.T) {
			data, sum, arts, err := Assess("../../../examples/"+ex, assess.RunOptions{On: on, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("the signed assessment breaks the contract: %v", err)
			}
			var a assess.Assessment
			if err := json.Unmarshal(data, &a); err != nil {
				t.Fatal(err)
			}
			if sum.Product.Name != a.Product.Name || sum.Product.Manufacturer != a.Product.Manufacturer || len(sum.Product.Identifiers) != len(a.Product.Identifiers) {
				t.Errorf("product %+v, assessment %+v", sum.Product, a.Product)
			}
			if a.SupportPeriod == nil || sum.SupportPeriodEnd != a.SupportPeriod.End || sum.SupportPeriodEnd == "" {
				t.Errorf("support end %q, assessment %+v", sum.SupportPeriodEnd, a.SupportPeriod)
			}
			if a.UpdatePolicy == nil || sum.UpdatePolicy == nil || sum.UpdatePolicy.Mechanism != a.UpdatePolicy.Mechanism ||
				!reflect.DeepEqual(sum.UpdatePolicy.Signed, a.UpdatePolicy.Signed) {
				t.Errorf("update policy %+v, assessment %+v", sum.UpdatePolicy, a.UpdatePolicy)
			}
			if a.PostQuantum == nil || sum.PostQuantum != a.PostQuantum.Readiness {
				t.Errorf("post-quantum %q, assessment %+v", sum.PostQuantum, a.PostQuantum)
			}
			for id, rr := range a.Regimes {
				if v := sum.Regimes[id]; v.Verdict != rr.Verdict || v.Readiness != rr.Readiness {
					t.Errorf("%s: %+v, assessment %s/%s", id, v, rr.Verdict, rr.Readiness)
				}
			}
			if len(arts) != 1 || arts[0].Role != "sbom" {
				t.Errorf("artifacts %+v, want the dossier's SBOM", arts)
			}
		})
	}
}

// TestAssessDossierLoadsOnce: a loaded dossier is assessed as it is, without
// reading the dossier file again (a changed file on disk does not matter).
func TestAssessDossierLoadsOnce(t *testing.T) {
	d, err := dossier.Load("../../../examples/smart-plug")
	if err != nil {
		t.Fatal(err)
	}
	d.Product.Name = "changed in memory"
	_, sum, _, err := AssessDossier(d, assess.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Product.Name != "changed in memory" {
		t.Errorf("product %q: the dossier was read again", sum.Product.Name)
	}
}
