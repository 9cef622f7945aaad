package match

import "io"

// writeTable renders the scan table in the cold-scan benchmarks and the
// table tests. The table lives in scanreport, which imports match, so the
// external test package (table_hook_test.go) sets it.
var writeTable func(io.Writer, *Result) error

// SetTableWriter lets the external test package hand in scanreport's table.
func SetTableWriter(f func(io.Writer, *Result) error) { writeTable = f }
