package testdata

import (
	"os"
	"testing"
)

func TestPathFindsSharedData(t *testing.T) {
	p := Path(t, "SOURCES.md")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Path returned %q: %v", p, err)
	}
}

func TestDirHonoursEnvironment(t *testing.T) {
	t.Setenv("DUALMARK_TESTDATA", t.TempDir())
	if Dir() == "" {
		t.Fatal("Dir ignored an existing DUALMARK_TESTDATA")
	}
	t.Setenv("DUALMARK_TESTDATA", "/nonexistent/dualmark")
	if Dir() != "" {
		t.Fatal("Dir accepted a missing DUALMARK_TESTDATA")
	}
}
