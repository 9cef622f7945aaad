// Package fsread opens and reads input files defensively: only regular
// files are opened (a FIFO, socket or device in place of a file is refused
// before open, so that a read never blocks), and a file is size-checked
// before its bytes are held, so that an oversized (or sparse) file costs
// nothing but the error.
package fsread

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrTooLarge is wrapped by the errors of ReadFile and LimitedReader when
// the input exceeds its size limit.
var ErrTooLarge = errors.New("file exceeds the size limit")

// Open opens path for reading if it is a regular file. what names the kind
// of file in errors ("SBOM", "trust file", ...). The returned FileInfo is
// that of the opened file.
func Open(path, what string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", what, err)
	}
	if err := regular(path, what, st); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", what, err)
	}
	// the path may have been swapped between the stat and the open
	st, err = f.Stat()
	if err == nil {
		err = regular(path, what, st)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func regular(path, what string, st os.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("%s is a directory: give the path of one %s", path, what)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("%s is a named pipe (FIFO), not a regular file: refused, as reading it could block forever; copy the %s to a file", path, what)
	case m&(os.ModeDevice|os.ModeCharDevice) != 0:
		return fmt.Errorf("%s is a device, not a regular file: refused as %s", path, what)
	case m&os.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, not a regular file: refused as %s", path, what)
	}
	return fmt.Errorf("%s is not a regular file (mode %s): refused as %s", path, m, what)
}

// ReadFile reads the regular file at path whole if it has at most limit
// bytes (limit <= 0: no limit). The size is checked from the file's
// metadata before reading and again while reading, so a file that grows
// under the reader is cut off with the same error.
func ReadFile(path, what string, limit int64) ([]byte, error) {
	f, st, err := Open(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if limit > 0 && st.Size() > limit {
		return nil, tooLarge(path, what, limit, st.Size())
	}
	var r io.Reader = f
	if limit > 0 {
		r = &LimitedReader{R: f, N: limit, Err: tooLarge(path, what, limit, -1)}
	}
	buf, err := ReadSized(r, int(st.Size()))
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s %s: %w", what, path, err)
	}
	return buf, nil
}

// ReadSized reads r to the end into one buffer sized by hint (the
// expected length), so that input of known size is read without regrowing.
func ReadSized(r io.Reader, hint int) ([]byte, error) {
	buf := make([]byte, 0, max(hint+1, 512))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLarge(path, what string, limit, size int64) error {
	if size >= 0 {
		return fmt.Errorf("%s: %s of %d bytes: %w of %d bytes", path, what, size, ErrTooLarge, limit)
	}
	return fmt.Errorf("%s: %s grew past %d bytes while being read: %w", path, what, limit, ErrTooLarge)
}

// LimitedReader reads from R at most N bytes and then fails with Err (which
// should wrap ErrTooLarge or another sentinel the caller tests for) when
// more input follows; unlike io.LimitReader it never silently truncates.
type LimitedReader struct {
	R   io.Reader
	N   int64
	Err error
}

// Read implements io.Reader.
func (l *LimitedReader) Read(p []byte) (int, error) {
	if l.N <= 0 {
		// probe one byte: input of exactly N bytes is fine
		var one [1]byte
		for {
			n, err := l.R.Read(one[:])
			if n > 0 {
				return 0, l.Err
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > l.N {
		p = p[:l.N]
	}
	n, err := l.R.Read(p)
	l.N -= int64(n)
	return n, err
}

// RemoveStale removes the regular files in dir whose names match the
// filepath.Match pattern and that were last modified more than olderThan
// ago: the temporary files of an earlier process killed between writing
// and renaming them. It returns the paths it removed.
func RemoveStale(dir, pattern string, olderThan time.Duration) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	cutoff := time.Now().Add(-olderThan)
	var removed []string
	for _, p := range paths {
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() && st.ModTime().Before(cutoff) && os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed, nil
}
