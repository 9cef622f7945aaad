package tlog

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRemoveStaleTemp: the temporary files a writer killed between write
// and rename leaves (Tessera's "<target><digits>", the cosigned
// checkpoint's ".checkpoint.cosigned-*") are removed once old; real log
// files and fresh temp files of a concurrent writer stay.
func TestRemoveStaleTemp(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	files := map[string]bool{ // path -> is a stale temp file
		"checkpoint":                         false,
		"checkpoint1804289383":               true,
		"checkpoint.cosigned":                false,
		".checkpoint.cosigned-123456":        true,
		".checkpoint.cosigned.lock":          false,
		".state/treeState":                   false,
		".state/treeState846930886":          true,
		".state/treeState.lock":              false,
		".state/version":                     false,
		".state/version1681692777":           true,
		"tile/0/000":                         false,
		"tile/0/0001714636915":               true,
		"tile/0/x001/234":                    false,
		"tile/0/000.p/255":                   false,
		"tile/0/000.p/17":                    false,
		"tile/0/000.p/171957747793":          true,
		"tile/entries/000":                   false,
		"tile/entries/000424238335":          true,
		"tile/entries/x001/002.p/1":          false,
		"tile/entries/x001/002.p/1719885386": true,
	}
	for p := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(full, old, old)
	}
	fresh := filepath.Join(dir, "checkpoint596516649")
	os.WriteFile(fresh, nil, 0o644)
	removed, err := RemoveStaleTemp(dir, StaleTempAge)
	if err != nil {
		t.Fatal(err)
	}
	for p, stale := range files {
		_, err := os.Stat(filepath.Join(dir, p))
		if gone := os.IsNotExist(err); gone != stale {
			t.Errorf("%s: removed=%v, want %v", p, gone, stale)
		}
		if stale && !slices.Contains(removed, filepath.FromSlash(p)) {
			t.Errorf("%s not reported as removed (%v)", p, removed)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a fresh temp file (a concurrent writer's) was removed")
	}
	if _, err := RemoveStaleTemp(filepath.Join(dir, "no-log-yet"), StaleTempAge); err != nil {
		t.Errorf("new log directory: %v", err)
	}
}
