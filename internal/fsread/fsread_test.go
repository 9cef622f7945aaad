package fsread

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.json")
	os.WriteFile(small, []byte(`{"a":1}`), 0o644)
	sparse := filepath.Join(dir, "sparse.json")
	f, _ := os.Create(sparse)
	if err := f.Truncate(2 << 30); err != nil {
		t.Skip("no sparse files:", err)
	}
	f.Close()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs:", err)
	}
	cases := []struct {
		name, path string
		limit      int64
		want       string // error fragment, "" = reads
		tooLarge   bool
	}{
		{"small file", small, 1 << 20, "", false},
		{"exactly the limit", small, 7, "", false},
		{"no limit", small, 0, "", false},
		{"one byte over", small, 6, "trust file of 7 bytes", true},
		{"2 GiB sparse file", sparse, 16 << 20, "of 2147483648 bytes", true},
		{"FIFO", fifo, 1 << 20, "named pipe (FIFO)", false},
		{"device", "/dev/zero", 1 << 20, "is a device", false},
		{"directory", dir, 1 << 20, "is a directory", false},
		{"missing", filepath.Join(dir, "nope"), 1 << 20, "open trust file", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() { data, err = ReadFile(c.path, "trust file", c.limit); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("ReadFile blocks")
			}
			if c.want == "" {
				if err != nil || string(data) != `{"a":1}` {
					t.Fatalf("got %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if errors.Is(err, ErrTooLarge) != c.tooLarge {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v", !c.tooLarge)
			}
		})
	}
}

func TestLimitedReader(t *testing.T) {
	sentinel := errors.New("too big")
	for _, c := range []struct {
		in    int
		limit int64
		err   error
	}{{10, 10, nil}, {10, 11, nil}, {11, 10, sentinel}, {0, 0, nil}, {1, 0, sentinel}} {
		got, err := io.ReadAll(&LimitedReader{R: bytes.NewReader(make([]byte, c.in)), N: c.limit, Err: sentinel})
		if err != c.err {
			t.Errorf("%d bytes, limit %d: error %v, want %v", c.in, c.limit, err, c.err)
		}
		if c.err == nil && len(got) != c.in {
			t.Errorf("%d bytes, limit %d: read %d", c.in, c.limit, len(got))
		}
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{".trust-1.json", ".trust-2.json", "trust.json"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, nil, 0o644)
		os.Chtimes(p, old, old)
	}
	os.WriteFile(filepath.Join(dir, ".trust-new.json"), nil, 0o644) // a concurrent writer's
	got, err := RemoveStale(dir, ".trust-*.json", time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("removed %v, %v; want the two old temp files", got, err)
	}
	for _, n := range []string{"trust.json", ".trust-new.json"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
}
