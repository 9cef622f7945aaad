// Package tlog is dualmark's transparency log: an append-only Merkle log
// stored in the C2SP tlog-tiles layout by Tessera's POSIX driver, whose
// checkpoints are C2SP signed notes carrying an Ed25519 signature (type 0x01)
// and an ML-DSA-44 cosignature (c2sp.org/tlog-cosignature, type 0x06). It
// appends entries, reads entries and proofs back from a log directory (or a
// copy of it) and verifies checkpoints, inclusion and consistency proofs
// offline.
//
// Checkpoints are signed through keys.Signer (file keys or a KMS/HSM), and
// OpenConfig takes another Tessera storage driver than the default POSIX
// one (Config.Driver).
//
// Tessera is built for long-running servers; a CLI that appends one entry
// and exits works with it because the POSIX driver serialises writers with
// flock(2) on the log directory, and a 100 ms checkpoint interval (Tessera's
// minimum) lets one append be integrated and published in about 0.14 s
// (measured in TestAppendReopen), so no hand-written tiles are needed.
package tlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/keys"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"k8s.io/klog/v2"
)

// Integration tuning: small batches and a short checkpoint interval, because
// every CLI invocation waits for its entry to be published.
const (
	batchMaxSize       = 256
	batchMaxAge        = 10 * time.Millisecond
	checkpointInterval = 100 * time.Millisecond // Tessera's minimum
	pollPeriod         = 10 * time.Millisecond
)

// QuietLibraryLogs stops Tessera's klog output (it logs to stderr by
// default); call it once from main before opening a log.
func QuietLibraryLogs() {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

// Log is a log directory opened for appending.
type Log struct {
	dir      string
	app      *tessera.Appender
	shutdown func(context.Context) error
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc
	reader   *Reader
	posix    bool // Tessera's POSIX driver: its integrated size is in .state/treeState
}

// Entry is the result of one append: where the entry sits and the proof
// that the published checkpoint includes it.
type Entry struct {
	Index      uint64
	Checkpoint []byte   // signed checkpoint note
	TreeSize   uint64   // size of that checkpoint
	Proof      [][]byte // RFC 6962 inclusion proof of Index in TreeSize
}

// Open opens (creating when needed) the log in dir with Tessera's POSIX
// driver, signing checkpoints with the log keys of s. Close it to flush and
// release it.
func Open(ctx context.Context, dir string, s *keys.Set) (*Log, error) {
	return OpenConfig(ctx, Config{Dir: dir, Origin: s.LogOrigin, Ed25519: s.LogEd25519, MLDSA44: s.LogMLDSA44})
}

// Config says how OpenConfig opens a log.
type Config struct {
	// Dir is the log directory of the POSIX driver. With a Driver it only
	// names the log in messages.
	Dir string
	// Origin is the log's origin, the first line of its checkpoints.
	Origin string
	// Ed25519 and MLDSA44 sign the checkpoints (type 0x01 signature and
	// type 0x06 cosignature): file keys, or a KMS or HSM behind
	// keys.Signer.
	Ed25519, MLDSA44 keys.Signer
	// Driver, when set, opens the Tessera storage driver the log lives in
	// (a database or object-store driver of a long-running server); the
	// log then reads tiles and checkpoints back through the driver's
	// LogReader. Nil means Tessera's POSIX driver on Dir: the default, and
	// the only driver dualmark ships (a seam, not an integration).
	Driver func(ctx context.Context) (tessera.Driver, error)
}

// OpenConfig opens a log as cfg says. Close it to flush and release it.
func OpenConfig(ctx context.Context, cfg Config) (*Log, error) {
	dir := cfg.Dir
	if cfg.Driver == nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating log directory: %w", err)
		}
		if _, err := RemoveStaleTemp(dir, StaleTempAge); err != nil {
			return nil, fmt.Errorf("cleaning log %s: %w", dir, err)
		}
		if err := checkOriginMatches(dir, cfg.Origin); err != nil {
			return nil, err
		}
	}
	ed, ml, err := CheckpointSigners(cfg.Origin, cfg.Ed25519, cfg.MLDSA44)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var drv tessera.Driver
	if cfg.Driver != nil {
		drv, err = cfg.Driver(ctx)
	} else {
		drv, err = posix.New(ctx, posix.Config{Path: dir})
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("opening log %s: %w", dir, err)
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(ed, ml).
		WithBatching(batchMaxSize, batchMaxAge).
		WithCheckpointInterval(checkpointInterval)
	app, shutdown, lr, err := tessera.NewAppender(ctx, drv, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("opening log %s: %w", dir, err)
	}
	reader := NewReader(dir)
	if cfg.Driver != nil {
		reader = &Reader{dir: dir, f: lr}
		if err := checkOrigin(ctx, reader, cfg.Origin); err != nil {
			_ = shutdown(ctx)
			cancel()
			return nil, err
		}
	}
	return &Log{
		dir: dir, app: app, shutdown: shutdown, cancel: cancel,
		awaiter: tessera.NewPublicationAwaiter(ctx, lr.ReadCheckpoint, pollPeriod),
		reader:  reader, posix: cfg.Driver == nil,
	}, nil
}

// checkOrigin is checkOriginMatches through a Reader: a log whose latest
// checkpoint names another origin is refused (an empty log passes).
func checkOrigin(ctx context.Context, r *Reader, origin string) error {
	raw, err := r.f.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(raw) == 0) {
		return nil // no checkpoint yet
	}
	if err != nil {
		return fmt.Errorf("log %s: reading its checkpoint: %w", r.dir, err)
	}
	if first, _, _ := cutLine(raw); first != origin {
		return fmt.Errorf("log %s has origin %q but the keys sign for %q: use the key directory that created this log", r.dir, first, origin)
	}
	return nil
}

// checkOriginMatches refuses to append to a log whose existing checkpoint
// has another origin than the key set's (a different log).
func checkOriginMatches(dir, origin string) error {
	raw, err := fsread.ReadFile(dir+"/checkpoint", "log checkpoint", MaxCheckpointBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading log checkpoint: %w", err)
	}
	first, _, _ := cutLine(raw)
	if first != origin {
		return fmt.Errorf("log %s has origin %q but the keys sign for %q: use the key directory that created this log (same --origin)", dir, first, origin)
	}
	return nil
}

func cutLine(b []byte) (string, []byte, bool) {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i]), b[i+1:], true
		}
	}
	return string(b), nil, false
}

// Add queues data for appending and returns a function that waits until the
// entry is published and returns it with its inclusion proof. Queue many
// entries before waiting to let them share batches.
func (l *Log) Add(ctx context.Context, data []byte) func() (*Entry, error) {
	fut := l.app.Add(ctx, tessera.NewEntry(data))
	return func() (*Entry, error) {
		idx, cp, err := l.awaiter.Await(ctx, fut)
		if err != nil {
			return nil, fmt.Errorf("appending to log %s: %w", l.dir, err)
		}
		return l.reader.entryAt(ctx, idx.Index, cp)
	}
}

// Append appends data and waits until it is published.
func (l *Log) Append(ctx context.Context, data []byte) (*Entry, error) {
	return l.Add(ctx, data)()
}

// Close flushes pending work and releases the log.
func (l *Log) Close(ctx context.Context) error {
	defer l.cancel()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return l.shutdown(ctx)
}

// LeafHash returns the RFC 6962 leaf hash of entry data.
func LeafHash(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }

// MaxCheckpointBytes caps a checkpoint file, checked from its size before
// it is read: a signed note with a few dozen ML-DSA cosignatures stays
// well under it.
const MaxCheckpointBytes = 1 << 20

// AwaitPublished waits until the published checkpoint covers every entry
// integrated into the tree and returns its size. After a crash the entries
// the dead process integrated but did not publish are published by the
// next checkpoint, up to one checkpoint interval after Open: a reader of the
// log right after Open would not see them yet. With a driver other than
// POSIX it returns the published size as it is.
func (l *Log) AwaitPublished(ctx context.Context) (uint64, error) {
	want := uint64(0)
	if l.posix {
		b, err := os.ReadFile(filepath.Join(l.dir, ".state", "treeState"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("log %s: %w", l.dir, err)
		}
		var ts struct {
			Size uint64 `json:"size"`
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &ts); err != nil {
				return 0, fmt.Errorf("log %s: tree state: %w", l.dir, err)
			}
		}
		want = ts.Size
	}
	ctx, cancel := context.WithTimeout(ctx, 10*checkpointInterval+5*time.Second)
	defer cancel()
	for {
		size := uint64(0)
		signed, err := l.reader.f.ReadCheckpoint(ctx)
		if err == nil {
			text, _, err := SplitNote(signed)
			if err != nil {
				return 0, err
			}
			cp, err := ParseCheckpointText(text)
			if err != nil {
				return 0, err
			}
			size = cp.Size
		} else if !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		if size >= want {
			return size, nil
		}
		select {
		case <-ctx.Done():
			return size, fmt.Errorf("log %s: the published checkpoint (size %d) does not reach the integrated tree (size %d): %w", l.dir, size, want, ctx.Err())
		case <-time.After(pollPeriod):
		}
	}
}
