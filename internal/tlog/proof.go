package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// ProofHeader is the first line of a c2sp.org/tlog-proof file.
const ProofHeader = "c2sp.org/tlog-proof@v1"

// maxProofHashes bounds the inclusion proof of a tree of 2^64 leaves.
const maxProofHashes = 64

// Proof is an offline-verifiable proof that an entry is in a log
// (c2sp.org/tlog-proof): the entry index, the RFC 6962 inclusion proof and
// the signed checkpoint — with whatever witness cosignatures it carries.
type Proof struct {
	Extra      []byte // opaque, unauthenticated
	Index      uint64
	Hashes     [][]byte
	Checkpoint []byte // signed note, verbatim
}

// Marshal encodes the proof in the tlog-proof text format.
func (p *Proof) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if p.Extra != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	b.WriteString("index " + strconv.FormatUint(p.Index, 10) + "\n")
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof decodes a tlog-proof file; name is used in errors, which give
// the line number.
func ParseProof(data []byte, name string) (*Proof, error) {
	if len(data) > maxNoteBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d accepted", name, len(data), maxNoteBytes)
	}
	head, cp, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("%s: no blank line before the checkpoint", name)
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != ProofHeader {
		return nil, fmt.Errorf("%s:1: want %q", name, ProofHeader)
	}
	p := &Proof{Checkpoint: cp}
	n := 1
	if n < len(lines) && strings.HasPrefix(lines[n], "extra ") {
		var err error
		if p.Extra, err = base64.StdEncoding.DecodeString(lines[n][len("extra "):]); err != nil {
			return nil, fmt.Errorf("%s:%d: extra data is not base64", name, n+1)
		}
		n++
	}
	if n >= len(lines) || !strings.HasPrefix(lines[n], "index ") {
		return nil, fmt.Errorf("%s:%d: want \"index N\"", name, n+1)
	}
	idx := lines[n][len("index "):]
	v, err := strconv.ParseUint(idx, 10, 64)
	if err != nil || (len(idx) > 1 && idx[0] == '0') {
		return nil, fmt.Errorf("%s:%d: index %q is not a decimal without leading zeroes", name, n+1, clip(idx))
	}
	p.Index = v
	for n++; n < len(lines); n++ {
		h, err := base64.StdEncoding.DecodeString(lines[n])
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("%s:%d: inclusion proof line is not base64 of a 32-byte hash", name, n+1)
		}
		if len(p.Hashes) == maxProofHashes {
			return nil, fmt.Errorf("%s:%d: more than %d inclusion proof hashes", name, n+1, maxProofHashes)
		}
		p.Hashes = append(p.Hashes, h)
	}
	if _, _, err := SplitNote(cp); err != nil {
		return nil, fmt.Errorf("%s: checkpoint: %w", name, err)
	}
	return p, nil
}
