//go:build unix

package advisory

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps a file read-only into memory, so that opening a database
// reads only the pages that lookups touch.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, nil, nil
	}
	if size != int64(int(size)) {
		return nil, nil, fmt.Errorf("%s: file too large to map (%d bytes)", path, size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map %s: %w", path, err)
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}

// lockWriter takes an exclusive lock (flock) on the database directory
// itself, waiting for another writer to finish. The kernel releases the
// lock when the process ends, however it ends, so while it is held every
// temporary database file in the directory is an abandoned one. Locking
// the directory leaves no lock file behind.
func lockWriter(dir string) (unlock func(), exclusive bool, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false, fmt.Errorf("lock advisory database: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, false, fmt.Errorf("lock advisory database %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, true, nil
}

// release tells the kernel that the pages of part (a sub-slice of the
// mapping data) that lie wholly inside it will not be read again, so that
// they stop counting in the process's memory.
func release(data, part []byte) {
	if len(part) == 0 || len(data) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(part))) - base
	end := start + uintptr(len(part))
	start = (start + page - 1) &^ (page - 1)
	end &^= page - 1
	if end > start {
		_ = syscall.Madvise(data[start:end], syscall.MADV_DONTNEED)
	}
}
