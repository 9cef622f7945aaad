package tlog

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
)

// remoteSigner stands for a KMS or HSM: it holds a key elsewhere and
// counts the signatures it makes.
type remoteSigner struct {
	k *keys.PrivateKey
	n atomic.Int32
}

func (r *remoteSigner) Public() *keys.PublicKey { return r.k.Public() }
func (r *remoteSigner) Sign(msg []byte) ([]byte, error) {
	r.n.Add(1)
	return r.k.Sign(msg)
}

// TestOpenConfigDriverAndSigners: a log opened through the seams — its own
// Tessera driver (POSIX here, at a folder Config.Dir does not name) and
// checkpoint signers behind keys.Signer — appends, proves inclusion through
// the driver's LogReader, and its checkpoints verify against the trust file.
func TestOpenConfigDriverAndSigners(t *testing.T) {
	ctx := context.Background()
	s := testSet(t)
	tr := testTrust(t, s)
	store := filepath.Join(t.TempDir(), "store")
	ed, ml := &remoteSigner{k: s.LogEd25519}, &remoteSigner{k: s.LogMLDSA44}
	var opened atomic.Bool
	cfg := Config{Dir: "kms-log", Origin: s.LogOrigin, Ed25519: ed, MLDSA44: ml,
		Driver: func(ctx context.Context) (tessera.Driver, error) {
			opened.Store(true)
			return posix.New(ctx, posix.Config{Path: store})
		}}
	l, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(ctx, []byte("through the seams"))
	if cerr := l.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if !opened.Load() || ed.n.Load() == 0 || ml.n.Load() == 0 {
		t.Fatalf("driver opened %v, Ed25519 signatures %d, ML-DSA-44 signatures %d", opened.Load(), ed.n.Load(), ml.n.Load())
	}
	cp, err := OpenCheckpoint(e.Checkpoint, tr, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyInclusion(cp, e.Index, []byte("through the seams"), e.Proof); err != nil {
		t.Fatal(err)
	}
	// the driver's store is the tlog-tiles layout the file Reader reads too
	if _, err := NewReader(store).Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// a key of the wrong algorithm is refused before anything is opened
	bad := cfg
	bad.Ed25519 = s.LogMLDSA44
	if _, err := OpenConfig(ctx, bad); err == nil || !strings.Contains(err.Error(), "Ed25519 checkpoint signer holds a ML-DSA-44 key") {
		t.Fatalf("wrong key: %v", err)
	}
	// another origin on the same store is refused
	other := cfg
	other.Origin = "example.com/another-log"
	if _, err := OpenConfig(ctx, other); err == nil || !strings.Contains(err.Error(), "has origin") {
		t.Fatalf("other origin: %v", err)
	}
	if raw, err := NewReader(store).Checkpoint(ctx); err != nil || !strings.HasPrefix(string(raw), s.LogOrigin+"\n") {
		t.Fatalf("the refused open touched the store's checkpoint: %q, %v", raw, err)
	}
}
