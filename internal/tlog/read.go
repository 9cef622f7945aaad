package tlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// Reader reads a log directory (or an offline copy of one) through the
// tlog-tiles layout: checkpoint, tiles and entry bundles. It never writes.
// A log opened with another Tessera driver is read through the driver's
// own LogReader instead (same layout, another store).
type Reader struct {
	dir string // names the log in errors
	f   fetcher
}

// fetcher reads the tlog-tiles resources; client.FileFetcher and Tessera's
// LogReader both are one.
type fetcher interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// NewReader returns a Reader over dir.
func NewReader(dir string) *Reader { return &Reader{dir: dir, f: client.FileFetcher{Root: dir}} }

// Checkpoint returns the log's latest signed checkpoint.
func (r *Reader) Checkpoint(ctx context.Context) ([]byte, error) {
	cp, err := r.f.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no checkpoint: not a dualmark log directory (or an empty one)", r.dir)
	}
	return cp, err
}

// InclusionProof builds the proof that leaf index is in the tree of size.
func (r *Reader) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, size, r.f.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("log %s: reading tiles for size %d: %w", r.dir, size, err)
	}
	p, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("log %s: inclusion proof of %d in %d: %w", r.dir, index, size, err)
	}
	return p, nil
}

// ConsistencyProof builds the proof that the tree of size small is a prefix
// of the tree of size big.
func (r *Reader) ConsistencyProof(ctx context.Context, small, big uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, big, r.f.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("log %s: reading tiles for size %d: %w", r.dir, big, err)
	}
	p, err := pb.ConsistencyProof(ctx, small, big)
	if err != nil {
		return nil, fmt.Errorf("log %s: consistency proof %d→%d: %w", r.dir, small, big, err)
	}
	return p, nil
}

// Entries calls fn for every entry in [from, size) in order; fn returning
// false stops the walk.
func (r *Reader) Entries(ctx context.Context, from, size uint64, fn func(index uint64, data []byte) bool) error {
	for i := from; i < size; {
		b := i / layout.EntryBundleWidth
		bundle, err := client.GetEntryBundle(ctx, r.f.ReadEntryBundle, b, size)
		if err != nil {
			return fmt.Errorf("log %s: reading entry bundle %d: %w", r.dir, b, err)
		}
		off := i - b*layout.EntryBundleWidth
		if off >= uint64(len(bundle.Entries)) {
			return fmt.Errorf("log %s: entry bundle %d holds %d entries, entry %d is missing", r.dir, b, len(bundle.Entries), i)
		}
		for ; off < uint64(len(bundle.Entries)) && i < size; off++ {
			if !fn(i, bundle.Entries[off]) {
				return nil
			}
			i++
		}
	}
	return nil
}

// entryAt assembles an Entry for index from a published checkpoint.
func (r *Reader) entryAt(ctx context.Context, index uint64, signed []byte) (*Entry, error) {
	text, _, _ := bytes.Cut(signed, []byte("\n\n"))
	cp, err := ParseCheckpointText(append(text, '\n'))
	if err != nil {
		return nil, err
	}
	p, err := r.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	return &Entry{Index: index, Checkpoint: signed, TreeSize: cp.Size, Proof: p}, nil
}

// VerifyInclusion checks that data is leaf index of the tree with the
// checkpoint's size and root.
func VerifyInclusion(cp *Checkpoint, index uint64, data []byte, p [][]byte) error {
	root, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, index, cp.Size, LeafHash(data), p)
	if err != nil {
		return fmt.Errorf("inclusion proof of entry %d in tree size %d is malformed: %v", index, cp.Size, err)
	}
	if !bytes.Equal(root, cp.Root) {
		return fmt.Errorf("inclusion proof of entry %d in tree size %d leads to root %s, not the checkpoint's %s",
			index, cp.Size, base64.StdEncoding.EncodeToString(root), base64.StdEncoding.EncodeToString(cp.Root))
	}
	return nil
}

// VerifyConsistency checks that the tree of old is a prefix of the tree of
// newer, using a consistency proof.
func VerifyConsistency(old, newer *Checkpoint, p [][]byte) error {
	if old.Origin != newer.Origin {
		return fmt.Errorf("checkpoints are from different logs (%q, %q)", old.Origin, newer.Origin)
	}
	if newer.Size < old.Size {
		return fmt.Errorf("newer checkpoint has size %d, smaller than %d", newer.Size, old.Size)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, newer.Size, p, old.Root, newer.Root); err != nil {
		return fmt.Errorf("checkpoint of size %d is not consistent with checkpoint of size %d: the log was rewritten or forked (%v)", old.Size, newer.Size, firstLine(err))
	}
	return nil
}

// firstLine shortens library errors that print whole byte slices.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSuffix(s, ":")
}
