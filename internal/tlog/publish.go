package tlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/dualmark/dualmark/internal/fsread"
)

// CosignedCheckpointFile is where a log directory publishes its latest
// witness-cosigned checkpoint, next to Tessera's own "checkpoint" (which
// Tessera rewrites, so cosignatures cannot live there).
const CosignedCheckpointFile = "checkpoint.cosigned"

// PublishCosigned writes a cosigned checkpoint to the log directory's
// CosignedCheckpointFile, atomically and only if it is not smaller than the
// one published already (writers are serialised with a lock file). It
// reports whether it replaced the file.
func PublishCosigned(dir string, signed []byte) (bool, error) {
	text, _, err := SplitNote(signed)
	if err != nil {
		return false, err
	}
	cp, err := ParseCheckpointText(text)
	if err != nil {
		return false, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".checkpoint.cosigned.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false, fmt.Errorf("publishing cosigned checkpoint: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return false, fmt.Errorf("publishing cosigned checkpoint: locking: %w", err)
	}
	path := filepath.Join(dir, CosignedCheckpointFile)
	if old, err := fsread.ReadFile(path, "cosigned checkpoint", MaxCheckpointBytes); err == nil {
		if t, _, err := SplitNote(old); err == nil {
			if ocp, err := ParseCheckpointText(t); err == nil && ocp.Size > cp.Size {
				return false, nil
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint.cosigned-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(signed); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}
