package tlog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// Reader reads a log directory (or an offline copy of one), or a log served
// over HTTP, through the tlog-tiles layout: checkpoint, tiles and entry
// bundles. It never writes.
type Reader struct {
	dir string // the directory or URL, for messages
	f   fetcher
}

// fetcher is what Tessera's client.FileFetcher and client.HTTPFetcher offer,
// and what another driver's LogReader offers (a log opened with another
// Tessera driver is read through it: same layout, another store).
type fetcher interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, partial uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, partial uint8) ([]byte, error)
}

// NewReader returns a Reader over dir.
func NewReader(dir string) *Reader { return &Reader{dir: dir, f: client.FileFetcher{Root: dir}} }

// MaxResource bounds what an HTTP Reader reads of one checkpoint, tile or
// entry bundle: a full tile is 8 KiB, an entry bundle 256 entries.
const MaxResource = 16 << 20

// NewHTTPReader returns a Reader of the log served at root, an http:// or
// https:// URL of the tlog-tiles root (the directory holding "checkpoint"
// and "tile/"), such as a registry's https://registry.example/log/. hc may
// be nil for a client with a one-minute timeout. Every resource is read
// within MaxResource bytes; what it proves is checked against the trusted
// keys as for a directory, so the server need not be trusted.
func NewHTTPReader(root string, hc *http.Client) (*Reader, error) {
	u, err := url.Parse(root)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("log URL %q: want http://HOST/PATH/ or https://HOST/PATH/", root)
	}
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	limited := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	limited.Transport = limitTransport{base}
	f, err := client.NewHTTPFetcher(u, &limited)
	if err != nil {
		return nil, err
	}
	return &Reader{dir: u.String(), f: f}, nil
}

// limitTransport makes a body longer than MaxResource fail to read.
type limitTransport struct{ rt http.RoundTripper }

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err == nil {
		resp.Body = &limitedBody{rc: resp.Body, left: MaxResource, url: req.URL.String()}
	}
	return resp, err
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	url  string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// one byte more tells a body of exactly the limit from a longer one
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s: larger than %d bytes, not a tlog-tiles resource", b.url, MaxResource)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// Checkpoint returns the log's latest signed checkpoint.
func (r *Reader) Checkpoint(ctx context.Context) ([]byte, error) {
	cp, err := r.f.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no checkpoint: not a dualmark log (or an empty one)", r.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("log %s: reading the checkpoint: %w", r.dir, err)
	}
	return cp, nil
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
