package catalog

import (
	"testing"
)

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, regime := range Regimes {
		if len(c.ByRegime(regime)) == 0 {
			t.Errorf("regime %s has no requirements", regime)
		}
	}
}
