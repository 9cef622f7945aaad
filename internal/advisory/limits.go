package advisory

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/dualmark/dualmark/internal/fsread"
)

// ErrLimit is wrapped by the error an import stops with when its input
// exceeds one of its Limits: a compressed stream that inflates past
// MaxDecompressedBytes, more than MaxRecords records, or a CSV row longer
// than maxCSVLine. Unlike a bad record, which is skipped, it aborts the
// import and the database is left unchanged.
var ErrLimit = errors.New("import limit exceeded")

// Limits bound the work of one import, so that a small hostile file (a
// gzip of newlines that inflates to gigabytes, a zip of a million members)
// ends in an error instead of running for hours.
type Limits struct {
	// MaxDecompressedBytes bounds the bytes one compressed stream (a .gz
	// file, one zip member, a zip nested in a zip) inflates to. 0 means
	// DefaultMaxDecompressedBytes, a negative value no limit.
	MaxDecompressedBytes int64
	// MaxRecords bounds the records one import reads, taken or skipped:
	// OSV and CVE records, NVD vulnerabilities, KEV entries and EPSS rows.
	// 0 means DefaultMaxRecords, a negative value no limit.
	MaxRecords int
}

// DefaultMaxDecompressedBytes is the default limit of one decompressed
// stream: four times the largest single feed file known (the NVD and OSV
// JSON lines dumps inflate to a few hundred MiB each).
const DefaultMaxDecompressedBytes int64 = 2 << 30

// DefaultMaxRecords is the default limit of records per import: about ten
// times all OSV, CVE, KEV and EPSS records published today together.
const DefaultMaxRecords = 20_000_000

// maxCSVLine bounds one line of a KEV or EPSS CSV file (real rows are
// below 1 kB), so that a file without newlines is not held whole.
const maxCSVLine = 1 << 20

func (l Limits) decompressed() int64 {
	switch {
	case l.MaxDecompressedBytes == 0:
		return DefaultMaxDecompressedBytes
	case l.MaxDecompressedBytes < 0:
		return 0
	}
	return l.MaxDecompressedBytes
}

func (l Limits) records() int {
	switch {
	case l.MaxRecords == 0:
		return DefaultMaxRecords
	case l.MaxRecords < 0:
		return 0
	}
	return l.MaxRecords
}

// inflateLimit wraps a decompressing reader of stream name in the
// decompressed-bytes limit; exceeding it aborts the import.
func (im *Importer) inflateLimit(r io.Reader, name string) io.Reader {
	n := im.Limits.decompressed()
	if n <= 0 {
		return r
	}
	err := fmt.Errorf("%s: %w: it inflates past %d bytes, the decompressed-bytes limit of one stream (a compression bomb, or a feed larger than the limit)", name, ErrLimit, n)
	return &abortReader{im: im, r: &fsread.LimitedReader{R: r, N: n, Err: err}}
}

// abortReader records a limit error in the Importer when its reader
// returns one, so that the import stops even where a read error would
// otherwise be an Issue.
type abortReader struct {
	im *Importer
	r  io.Reader
}

func (a *abortReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && errors.Is(err, ErrLimit) && a.im.abort == nil {
		a.im.abort = err
	}
	return n, err
}

// tick counts one record read by the import; it reports false (and
// records the error) once the import has exceeded MaxRecords or was
// stopped by another limit, and the caller stops reading.
func (im *Importer) tick(name string) bool {
	if im.abort != nil {
		return false
	}
	im.read++
	if max := im.Limits.records(); max > 0 && im.read > max {
		im.abort = fmt.Errorf("%s: %w: more than %d records in one import, the records limit", name, ErrLimit, max)
		return false
	}
	return true
}

// lineLimitReader fails with err once a line (bytes between newlines) is
// longer than max bytes.
type lineLimitReader struct {
	r   io.Reader
	max int
	cur int // bytes of the current line so far
	err error
}

func (l *lineLimitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.cur += len(b)
			break
		}
		if l.cur+i > l.max {
			return 0, l.err
		}
		l.cur, b = 0, b[i+1:]
	}
	if l.cur > l.max {
		return 0, l.err
	}
	return n, err
}
