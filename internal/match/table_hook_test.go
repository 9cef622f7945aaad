package match_test

import (
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/scanreport"
)

// The cold-scan benchmarks time "dualmark scan" minus process start, the
// table included: it is scanreport's.
func init() { match.SetTableWriter(scanreport.WriteTable) }
