//go:build !unix

package advisory

import "os"

// mapFile reads the whole file where memory mapping is not available.
func mapFile(path string) ([]byte, func() error, error) {
	data, err := os.ReadFile(path)
	return data, nil, err
}

// lockWriter has no lock to take where flock is not available: stale
// temporary files are then recognised by their age only.
func lockWriter(string) (unlock func(), exclusive bool, err error) { return func() {}, false, nil }

// release does nothing where the file is read whole, not mapped.
func release(data, part []byte) {}
