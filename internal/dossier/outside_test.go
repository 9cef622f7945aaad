package dossier

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutsidePaths is issue 16's path traversal: evidence and SBOM paths
// that lead outside the dossier's folder ("../../../etc/shadow", absolute
// paths, symbolic links out) are refused without the file being opened,
// and the error never carries the file's digest; with AllowOutsidePaths
// they are read as before. Paths inside, a link inside and "a/../b"
// stay accepted.
func TestOutsidePaths(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "dossier")
	secretDir := filepath.Join(top, "secret")
	for _, d := range []string{filepath.Join(dir, "evidence", "sub"), secretDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := []byte("root:$6$hash:19000:0:99999:7:::\n")
	inside := []byte("test report\n")
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(secretDir, "shadow"), secret)
	write(filepath.Join(dir, "evidence", "report.md"), inside)
	if err := os.Symlink(filepath.Join(secretDir, "shadow"), filepath.Join(dir, "evidence", "out-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../report.md", filepath.Join(dir, "evidence", "sub", "in-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secretDir, filepath.Join(dir, "evidence", "dir-link")); err != nil {
		t.Fatal(err)
	}
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	secretSum, insideSum := sum(secret), sum(inside)
	zero := strings.Repeat("0", 64)
	abs := filepath.Join(secretDir, "shadow")
	tests := []struct {
		name, field, path, sha string
		refused                bool // refused without AllowOutsidePaths
		okAllowed              bool // accepted with AllowOutsidePaths
	}{
		{"dot-dot", "evidence", "../secret/shadow", zero, true, false},
		{"deep dot-dot", "evidence", "../../../../../../.." + abs, zero, true, false},
		{"dot-dot right digest", "evidence", "../secret/shadow", secretSum, true, true},
		{"absolute", "evidence", abs, zero, true, false},
		{"absolute right digest", "evidence", abs, secretSum, true, false}, // joined to the folder by every reader: always refused
		{"symlink out", "evidence", "evidence/out-link", zero, true, false},
		{"symlinked dir out", "evidence", "evidence/dir-link/shadow", zero, true, false},
		{"sbom dot-dot", "sbom", "../secret/shadow", zero, true, false},
		{"inside", "evidence", "evidence/report.md", insideSum, false, true},
		{"inside via a/../b", "evidence", "evidence/sub/../report.md", insideSum, false, true},
		{"symlink inside", "evidence", "evidence/sub/in-link", insideSum, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := minimal
			if tt.field == "sbom" {
				y += "sbom: {path: " + tt.path + ", sha256: " + tt.sha + "}\n"
			} else {
				y += "evidence:\n  - {title: r, kind: test-report, issuer: lab, date: 2026-01-01, demonstrates: [EN303645-5.1-1], path: " + tt.path + ", sha256: " + tt.sha + "}\n"
			}
			file := filepath.Join(dir, FileName)
			write(file, []byte(y))
			_, err := Load(file)
			if tt.refused {
				if !errors.Is(err, ErrOutsideFolder) {
					t.Fatalf("err = %v, want ErrOutsideFolder", err)
				}
			} else if err != nil {
				t.Fatalf("inside path refused: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), secretSum) {
				t.Fatalf("the error leaks the outside file's digest: %v", err)
			}
			_, err = LoadWith(file, Options{AllowOutsidePaths: true})
			if tt.okAllowed != (err == nil) || errors.Is(err, ErrOutsideFolder) != filepath.IsAbs(tt.path) {
				t.Fatalf("allowed: err = %v, want accepted %v", err, tt.okAllowed)
			}
		})
	}
}
