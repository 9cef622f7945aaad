//go:build unix

package advisory

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// truncChildEnv makes the test binary run the truncation itself: a SIGBUS
// would kill the process, so the parent runs it in a child and asserts
// that the child ended normally.
const truncChildEnv = "DUALMARK_TEST_TRUNCATE_CHILD"

// writeTruncDB writes a database of n generated records (each with a few
// kB of details, so that the records section spans many pages) and
// returns its directory.
func writeTruncDB(t testing.TB, dir string, n int) {
	t.Helper()
	b := NewBuilder()
	for i := range n {
		r := &Record{ID: fmt.Sprintf("GHSA-%05d", i), Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			Details:  strings.Repeat(fmt.Sprintf("details of %d. ", i), 200),
			Aliases:  []string{fmt.Sprintf("CVE-2024-%05d", i)},
			Affected: []Affected{{Package: &Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg-%05d", i)}}}}
		b.AddRecord(r)
	}
	b.AddKEV(KEVEntry{CVE: "CVE-2021-44228", Name: "Log4Shell"})
	b.AddEPSS("CVE-2021-44228", EPSSScore{Score: 0.97, Percentile: 0.99})
	if _, err := b.Write(dir); err != nil {
		t.Fatal(err)
	}
}

// TestTruncatedUnderReader is issue 16's SIGBUS: a database file truncated
// in place while a scan reads it. Lookups that reach past the new end
// return an ErrCorrupt error (and every lookup after them does), the KEV
// table and an EPSS table already read still answer, an EPSS table first
// read after the truncation answers nothing and leaves the error in
// DB.Err, and the process does not die.
func TestTruncatedUnderReader(t *testing.T) {
	if os.Getenv(truncChildEnv) != "" {
		truncChild(t, os.Getenv(truncChildEnv))
		return
	}
	tests := []struct{ name, mode string }{
		{"truncated to 1 MiB", "1048576"},
		{"truncated to the header", "64"},
		{"truncated to nothing", "0"},
		{"truncated during open", "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestTruncatedUnderReader$", "-test.v")
			cmd.Env = append(os.Environ(), truncChildEnv+"="+tt.mode+":"+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil || strings.Contains(string(out), "SIGBUS") || !strings.Contains(string(out), "CHILD OK") {
				t.Fatalf("child: %v\n%s", err, out)
			}
		})
	}
}

func truncChild(t *testing.T, arg string) {
	mode, dir, _ := strings.Cut(arg, ":")
	writeTruncDB(t, dir, 4000)
	path := filepath.Join(dir, FileName)
	if mode == "open" {
		// the file shrinks between the mapping and the checksum pass
		// of the sections: simulate it by mapping, then truncating,
		// then checking
		data, unmap, err := mapFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer unmap()
		if err := os.Truncate(path, 4096); err != nil {
			t.Fatal(err)
		}
		if _, err := openMapped(data, path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "changed while it was being read") {
			t.Fatalf("open: %v, want ErrCorrupt (changed)", err)
		}
		fmt.Println("CHILD OK")
		return
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if recs, err := db.Lookup("npm", "pkg-03999"); err != nil || len(recs) != 1 {
		t.Fatalf("before truncation: %v, %d records", err, len(recs))
	}
	if _, ok := db.EPSS("CVE-2021-44228"); !ok {
		t.Fatal("EPSS missing before truncation")
	}
	// a second reader of the same file that has not read its EPSS table
	unread, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unread.Close()
	var size int64
	fmt.Sscan(mode, &size)
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	// concurrent lookups, as a scan's workers do
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 3999 - w; i >= 0; i -= 4 {
				if _, err := db.LookupBrief("npm", fmt.Sprintf("pkg-%05d", i)); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "changed while it was being read") {
			t.Fatalf("worker %d: %v, want ErrCorrupt (changed)", w, err)
		}
	}
	// sticky: a lookup that would have read a cached or early page fails too
	if _, err := db.Lookup("npm", "pkg-03999"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("after the fault: %v", err)
	}
	if err := db.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("verify: %v", err)
	}
	if _, ok := db.KEV("CVE-2021-44228"); !ok {
		t.Fatal("KEV lost after truncation")
	}
	if s, ok := db.EPSS("CVE-2021-44228"); !ok || s.Score != 0.97 {
		t.Fatal("EPSS lost after truncation")
	}
	if err := unread.Err(); err != nil {
		t.Fatalf("second reader failed before reading: %v", err)
	}
	if _, ok := unread.EPSS("CVE-2021-44228"); ok {
		t.Fatal("EPSS read from a truncated file")
	}
	if err := unread.Err(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "changed while it was being read") {
		t.Fatalf("second reader after its EPSS read faulted: %v, want ErrCorrupt (changed)", err)
	}
	fmt.Println("CHILD OK")
}

// TestDatabaseNotAFile: a directory (or another non-file) in place of the
// database file is ErrCorrupt, whose hint is to re-import, not "no such
// device"; and an import over it says what is in the way.
func TestDatabaseNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := OpenDB(dir)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("OpenDB: %v, want ErrCorrupt (not a regular file)", err)
	}
	b := NewBuilder()
	b.AddKEV(KEVEntry{CVE: "CVE-2021-44228"})
	if _, err := b.Write(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Write: %v, want an error naming the directory", err)
	}
}

// TestStaleTempRemoved: the temporary files of imports killed (kill -9)
// before their rename are removed by the next Write; nothing else in the
// directory is.
func TestStaleTempRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".advisories.db.1300315682.tmp", ".advisories.db.1.tmp", ".advisories.db.x.tmp"}
	keep := []string{"advisories.db.bak", ".advisories.db.tmp.keep", "notes.txt"}
	for _, n := range append(append([]string{}, stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := NewBuilder()
	b.AddKEV(KEVEntry{CVE: "CVE-2021-44228"})
	if _, err := b.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v", n, err)
		}
	}
	for _, n := range append(keep, FileName) {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// TestConcurrentWriters: writers removing abandoned temporary files never
// remove a live writer's (they take turns under the directory lock), so
// concurrent imports into one directory all succeed.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := NewBuilder()
			for j := range 2000 {
				b.AddEPSS(fmt.Sprintf("CVE-2024-%05d", j), EPSSScore{Score: float64(i) / 10})
			}
			_, errs[i] = b.Write(dir)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	db, err := OpenDB(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries left, want only %s", len(entries), FileName)
	}
}

// TestImportNotRegular: a FIFO or a device given to an import (or met in
// a walked directory) is refused from its metadata; opening the FIFO would
// block for ever.
func TestImportNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "feed.jsonl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range []string{fifo, "/dev/zero"} {
			if err := NewImporter().Add(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: %v, want a refusal", p, err)
			}
		}
		im := NewImporter()
		if err := im.Add(dir); err != nil || len(im.Issues) != 1 || !strings.Contains(im.Issues[0].Reason, "named pipe") {
			t.Errorf("walked FIFO: %v, issues %v", err, im.Issues)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("import blocked on the FIFO")
	}
}
