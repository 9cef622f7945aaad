package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Limits on an add-checkpoint request (c2sp.org/tlog-witness: at most 63
// consistency proof lines; a checkpoint is a small signed note).
const (
	MaxProofLines  = 63
	MaxRequestBody = 256 << 10
)

// Request is a parsed add-checkpoint request body.
type Request struct {
	OldSize    uint64
	Proof      [][]byte
	Checkpoint []byte // signed note, verbatim
}

// ParseRequest parses an add-checkpoint body: "old N", proof lines, an
// empty line, then the signed checkpoint. Errors name the line.
func ParseRequest(body []byte) (*Request, error) {
	if len(body) > MaxRequestBody {
		return nil, fmt.Errorf("request body is %d bytes, more than %d", len(body), MaxRequestBody)
	}
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("request body: no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	old, ok := strings.CutPrefix(lines[0], "old ")
	if !ok {
		return nil, fmt.Errorf("line 1: want \"old <size>\"")
	}
	size, err := strconv.ParseUint(old, 10, 64)
	if err != nil || (len(old) > 1 && old[0] == '0') {
		return nil, fmt.Errorf("line 1: old size %q is not a decimal without leading zeroes", clip(old))
	}
	r := &Request{OldSize: size, Checkpoint: cp}
	if len(lines)-1 > MaxProofLines {
		return nil, fmt.Errorf("line %d: more than %d consistency proof lines", MaxProofLines+2, MaxProofLines)
	}
	for i, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("line %d: consistency proof line is not base64 of a 32-byte hash", i+2)
		}
		r.Proof = append(r.Proof, h)
	}
	return r, nil
}

// Marshal encodes the request body.
func (r *Request) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

func clip(s string) string { return clipTo(s, 40) }

func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
