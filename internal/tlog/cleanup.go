package tlog

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// StaleTempAge is how old a temporary file of the log must be before Open
// removes it. Writers keep such a file for milliseconds (write, sync,
// rename), so anything older was left by a process killed mid-write; the
// margin keeps Open from removing the file of a concurrent issuer.
const StaleTempAge = time.Minute

// RemoveStaleTemp removes the temporary files that a process killed while
// writing to the log in dir left behind, and returns their paths relative
// to dir. Two writers leave them:
//   - Tessera's POSIX driver writes "<target><random digits>" beside the
//     target and renames it: "checkpoint123", ".state/treeState123", and in
//     the tile tree a tile name with digits appended ("000" + "123");
//   - PublishCosigned writes ".checkpoint.cosigned-*".
//
// Only files older than olderThan are removed.
func RemoveStaleTemp(dir string, olderThan time.Duration) ([]string, error) {
	var removed []string
	cutoff := time.Now().Add(-olderThan)
	rm := func(path string, info fs.FileInfo) {
		if info.Mode().IsRegular() && info.ModTime().Before(cutoff) && os.Remove(path) == nil {
			rel, _ := filepath.Rel(dir, path)
			removed = append(removed, rel)
		}
	}
	for _, sub := range []string{".", ".state"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue // a new log: nothing to clean
		}
		for _, e := range ents {
			name := e.Name()
			if !isTopTemp(name) {
				continue
			}
			if info, err := e.Info(); err == nil {
				rm(filepath.Join(dir, sub, name), info)
			}
		}
	}
	tiles := filepath.Join(dir, "tile")
	err := filepath.WalkDir(tiles, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == tiles && os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || !isTileTemp(d.Name(), strings.HasSuffix(filepath.Dir(path), ".p")) {
			return nil
		}
		if info, err := d.Info(); err == nil {
			rm(path, info)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return removed, err
	}
	return removed, nil
}

// isTopTemp tells a temporary file in the log's top or .state directory.
func isTopTemp(name string) bool {
	if strings.HasPrefix(name, ".checkpoint.cosigned-") {
		return true
	}
	for _, target := range []string{"checkpoint", "treeState", "gcState", "version"} {
		if rest, ok := strings.CutPrefix(name, target); ok && allDigits(rest) {
			return true
		}
	}
	return false
}

// isTileTemp tells a temporary file in the tile tree. Tile and entry-bundle
// files are named by three digits ("000"–"999"), partial ones inside a
// ".p" directory by their width (1–255); a temporary file is such a name
// with random digits appended, so it is all digits and longer, or larger.
func isTileTemp(name string, partial bool) bool {
	if !allDigits(name) {
		return false
	}
	if partial {
		n, err := strconv.Atoi(name)
		return err != nil || n > 255
	}
	return len(name) > 3
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
