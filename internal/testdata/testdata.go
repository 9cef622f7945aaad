// Package testdata locates the shared real-world data (advisories, SBOMs,
// specifications) that tests and benchmarks read by path.
//
// The directory is $DUALMARK_TESTDATA, or ../shared/data relative to the
// module root. When it is missing, tests fail under CI=true and skip with a
// clear message elsewhere.
package testdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the shared data directory, or "" when it does not exist.
func Dir() string {
	if d := os.Getenv("DUALMARK_TESTDATA"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// file is <module>/internal/testdata/testdata.go
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	d := filepath.Join(root, "..", "shared", "data")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// Path returns the path of rel inside the shared data directory. When the
// directory or the file is missing it fails the test under CI=true and skips
// it otherwise.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		missing(tb, "shared test data not found: set DUALMARK_TESTDATA or place it at ../shared/data")
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(tb, "shared test data file missing: "+p)
	}
	return p
}

func missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}
