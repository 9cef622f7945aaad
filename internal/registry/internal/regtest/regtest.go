// Package regtest holds test helpers the registry's packages share.
package regtest

import (
	"bytes"
	"os"
	"testing"
)

// Golden compares got with the golden file at path, rewriting it first when
// update is set.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update and review the diff)", path)
	}
}
