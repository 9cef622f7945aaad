package fromdossier

import (
	"testing"

	"github.com/dualmark/dualmark/internal/assess"
)

func TestAssess(t *testing.T) {
	data, sum, arts, err := Assess("../../../examples/smart-plug", assess.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || sum.Product.Name == "" || len(sum.Regimes) == 0 {
		t.Fatalf("summary %+v", sum)
	}
	if sum.SupportPeriodEnd == "" {
		t.Error("support-period end not taken from the dossier")
	}
	if len(arts) != 1 || arts[0].Role != "sbom" {
		t.Errorf("artifacts %+v, want the dossier's SBOM", arts)
	}
	t.Logf("%s: %+v, support until %s", sum.Product.Name, sum.Regimes, sum.SupportPeriodEnd)
}
