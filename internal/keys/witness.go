package keys

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
)

// Files of a witness key directory.
const (
	witnessEd25519File = "witness-ed25519.key"
	witnessMLDSA44File = "witness-mldsa44.key"
	witnessIDFile      = "witness.json"
)

// WitnessIdentity names a witness: its cosigner key name (c2sp.org/
// tlog-cosignature: "SHOULD be a schema-less URL that identifies the
// cosigner").
type WitnessIdentity struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// WitnessSet is the content of a witness key directory: an Ed25519 key for
// cosignature/v1 (type 0x04) and an ML-DSA-44 key for subtree/v1 (type 0x06)
// cosignatures.
type WitnessSet struct {
	WitnessIdentity
	Ed25519 *PrivateKey
	MLDSA44 *PrivateKey
}

// GenerateWitnessSet creates fresh witness keys for a cosigner name.
func GenerateWitnessSet(name string, rand io.Reader, now time.Time) (*WitnessSet, error) {
	if err := CheckKeyName(name); err != nil {
		return nil, fmt.Errorf("witness name: %w", err)
	}
	ed, err := GenerateKey(AlgEd25519, rand)
	if err != nil {
		return nil, err
	}
	ml, err := GenerateKey(AlgMLDSA44, rand)
	if err != nil {
		return nil, err
	}
	return &WitnessSet{WitnessIdentity{name, now.UTC().Truncate(time.Second)}, ed, ml}, nil
}

// Write stores the witness keys in dir, which must not exist or be empty.
func (w *WitnessSet) Write(dir string) error {
	if err := prepareKeyDir(dir); err != nil {
		return err
	}
	if err := writeKeyPair(dir, witnessEd25519File, w.Ed25519); err != nil {
		return err
	}
	if err := writeKeyPair(dir, witnessMLDSA44File, w.MLDSA44); err != nil {
		return err
	}
	return writeJSONExclusive(filepath.Join(dir, witnessIDFile), w.WitnessIdentity)
}

// LoadWitnessSet reads a witness key directory written by Write.
func LoadWitnessSet(dir string) (*WitnessSet, error) {
	raw, err := fsread.ReadFile(filepath.Join(dir, witnessIDFile), "witness identity file", maxKeyFileBytes)
	if err != nil {
		return nil, fmt.Errorf("reading witness key directory: %w (create one with: dualmark witness keys generate --out DIR --name NAME)", err)
	}
	w := &WitnessSet{}
	if err := json.Unmarshal(raw, &w.WitnessIdentity); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, witnessIDFile), err)
	}
	if err := CheckKeyName(w.Name); err != nil {
		return nil, fmt.Errorf("%s: /name: %w", filepath.Join(dir, witnessIDFile), err)
	}
	if w.Ed25519, err = loadPrivateFile(filepath.Join(dir, witnessEd25519File), AlgEd25519); err != nil {
		return nil, err
	}
	if w.MLDSA44, err = loadPrivateFile(filepath.Join(dir, witnessMLDSA44File), AlgMLDSA44); err != nil {
		return nil, err
	}
	return w, nil
}

// VKeys returns the witness's two verifier keys: ML-DSA-44 (type 0x06)
// first, then Ed25519 (type 0x04).
func (w *WitnessSet) VKeys() []*VKey {
	ml, _ := NewVKey(w.Name, NoteCosigMLDSA44, w.MLDSA44.Public())
	ed, _ := NewVKey(w.Name, NoteCosigEd25519, w.Ed25519.Public())
	return []*VKey{ml, ed}
}
