package intake

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPathsNamingFolders is FuzzProcess's finding ("sbom: path: ."): a
// dossier path that names a folder of the work folder, or runs through a
// file, is the upload's fault (an *Error naming the part), not a server
// error, in memory and spooled, and the work folder is removed.
func TestPathsNamingFolders(t *testing.T) {
	base := example(t, filepath.Join("..", "..", "..", "examples", "smart-plug"))
	tests := []struct {
		name     string
		dossier  string
		evidence []string // names sent, each with a few bytes
		field    string
	}{
		{"sbom is the folder", "sbom:\n  path: .\n", nil, "sbom"},
		{"sbom climbs back into the folder", "sbom:\n  path: a/..\n", nil, "sbom"},
		{"evidence is a folder another path made", "evidence:\n  - {path: a/b}\n  - {path: a}\n", []string{"a/b", "a"}, "evidence[1]"},
		{"evidence runs through a file", "evidence:\n  - {path: a}\n  - {path: a/b}\n", []string{"a", "a/b"}, "evidence[1]"},
	}
	for _, tt := range tests {
		for _, spooled := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "", true: " (spooled)"}[spooled], func(t *testing.T) {
				up := &Upload{Dossier: []byte(tt.dossier), Evidence: map[string][]byte{}, Spooled: map[string]string{}}
				if tt.field == "sbom" {
					up.SBOM = base.SBOM
				}
				for _, name := range tt.evidence {
					if spooled {
						p := filepath.Join(t.TempDir(), "spool")
						if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
							t.Fatal(err)
						}
						up.Spooled[name] = p
					} else {
						up.Evidence[name] = []byte("x")
					}
				}
				tmp := t.TempDir()
				_, err := Process(up, Options{Now: now, TempDir: tmp})
				var ie *Error
				if !errors.As(err, &ie) || ie.Field != tt.field {
					t.Fatalf("err = %v (%T), want an *Error for %s", err, err, tt.field)
				}
				if left, _ := os.ReadDir(tmp); len(left) != 0 {
					t.Errorf("the work folder was not removed: %v", left)
				}
			})
		}
	}
}
