package sbomschema

import (
	"os"
	"path/filepath"
	"runtime"
)

// stagedDataDir returns the shared data directory staged beside the source
// tree ($DUALMARK_TESTDATA or <module>/../shared/data), or "".
func stagedDataDir() string {
	if d := os.Getenv("DUALMARK_TESTDATA"); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	d := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}
