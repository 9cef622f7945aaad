package monitor

import (
	"fmt"

	"github.com/dualmark/dualmark/internal/advisory"
)

// ImportInto imports advisory files (anything advisory.Importer reads: OSV
// records, CVE JSON 5 records, KEV catalogues, EPSS CSV) on top of the
// database in dir and replaces it atomically. Bad records are skipped and
// returned as issues; the rest applies.
func ImportInto(dir string, files ...string) (advisory.Provenance, []advisory.Issue, error) {
	old, err := advisory.OpenDB(dir)
	if err != nil {
		return advisory.Provenance{}, nil, err
	}
	im := advisory.NewImporter()
	err = im.AddDB(old)
	old.Close()
	if err != nil {
		return advisory.Provenance{}, nil, err
	}
	for _, f := range files {
		if err := im.Add(f); err != nil {
			return advisory.Provenance{}, im.Issues, fmt.Errorf("importing %s: %w", f, err)
		}
	}
	prov, err := im.Write(dir)
	return prov, im.Issues, err
}
