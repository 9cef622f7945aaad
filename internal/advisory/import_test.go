package advisory

import (
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/testdata"
)

func TestImportStagedData(t *testing.T) {
	if testing.Short() {
		t.Skip("imports all staged data")
	}
	im := NewImporter()
	start := time.Now()
	for _, rel := range []string{"advisories/osv", "advisories/osv-derived", "kev", "epss"} {
		if err := im.Add(testdata.Path(t, rel)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("read in %v", time.Since(start))
	dir := t.TempDir()
	prov, err := im.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("written in %v: %+v", time.Since(start), prov)
	for _, is := range im.Issues {
		t.Log(is)
	}
}
