package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// TestServeCSAF: 'serve csaf' imports real CISA advisories (a 2024 file and
// one cut short) into a seeded registry offline: the good one is imported,
// the cut one reported with its document and skipped, the good one's
// optional-test failures (6.2.16, 6.2.18) printed as warnings and counted;
// without --data it is a usage error.
func TestServeCSAF(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "reg")
	if code, _, errOut := runCaptured("serve", "seed", "--data", data, "--count", "2", "--example", "../../examples/home-router"); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, errOut)
	}
	good := testdata.Path(t, "csaf/cisa-ics-csaf/raw-2024/icsa-24-004-01.json")
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.json")
	if err := os.WriteFile(cut, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCaptured("serve", "csaf", "--data", data, good, cut)
	if code != 0 {
		t.Fatalf("serve csaf: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"1 document(s) imported", "1 skipped", cut + ": ", "csaf re-match", good + ": warning 6.2.16 /product_tree/",
		"optional-test warning(s) (CSAF 2.0 section 6.2) in 1 stored document(s)", "6.2.18:1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCaptured("serve", "csaf", good); code != 2 {
		t.Errorf("without --data: exit %d, want 2", code)
	}
}
