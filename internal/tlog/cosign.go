package tlog

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"golang.org/x/mod/sumdb/note"
)

// Limits on signed notes read from others (c2sp.org/signed-note leaves them
// to implementations; golang.org/x/mod/sumdb/note uses the same count).
const (
	maxNoteSignatures = 100
	maxNoteBytes      = 1 << 20
)

// SignatureLine is one parsed signed-note signature line
// "— <name> base64(key ID || signature)".
type SignatureLine struct {
	Name string
	Hash uint32
	Sig  []byte
	Line string // the line as it appeared, without the newline
}

// SplitNote splits a signed note into its text (ending in a newline) and
// its signature lines, checking the signed-note syntax. Errors name the
// line.
func SplitNote(signed []byte) (text []byte, sigs []SignatureLine, err error) {
	if len(signed) > maxNoteBytes {
		return nil, nil, fmt.Errorf("signed note is %d bytes, more than the %d accepted", len(signed), maxNoteBytes)
	}
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return nil, nil, errors.New("signed note: no blank line between the text and the signatures")
	}
	text = signed[:i+1]
	rest := signed[i+2:]
	if len(rest) == 0 || rest[len(rest)-1] != '\n' {
		return nil, nil, errors.New("signed note: the signature lines must end in a newline")
	}
	textLines := bytes.Count(text, []byte("\n"))
	for n, line := range strings.Split(string(rest[:len(rest)-1]), "\n") {
		s, err := ParseSignatureLine(line)
		if err != nil {
			return nil, nil, fmt.Errorf("signed note line %d: %w", textLines+2+n, err)
		}
		sigs = append(sigs, s)
	}
	if len(sigs) > maxNoteSignatures {
		return nil, nil, fmt.Errorf("signed note has %d signatures, more than the %d accepted", len(sigs), maxNoteSignatures)
	}
	return text, sigs, nil
}

// ParseSignatureLine parses one signature line (without its newline).
func ParseSignatureLine(line string) (SignatureLine, error) {
	rest, ok := strings.CutPrefix(line, "— ")
	name, b64, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || name == "" || strings.ContainsAny(b64, " \t") {
		return SignatureLine{}, fmt.Errorf("signature line %q: want \"— <name> <base64>\"", clip(line))
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 5 {
		return SignatureLine{}, fmt.Errorf("signature line of %q: not base64 of a key ID and a signature", clip(name))
	}
	return SignatureLine{Name: name, Hash: binary.BigEndian.Uint32(raw), Sig: raw[4:], Line: line}, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Cosignature is the outcome of looking for one witness verifier key's
// cosignature on a checkpoint.
type Cosignature struct {
	Witness string
	Type    byte // keys.NoteCosigEd25519 or keys.NoteCosigMLDSA44
	Found   bool // a signature line with the key's name and ID is present
	Valid   bool // and it verifies
	Time    time.Time
}

// Algorithm names the cosignature's algorithm for messages.
func (c Cosignature) Algorithm() string {
	if c.Type == keys.NoteCosigMLDSA44 {
		return "ML-DSA-44"
	}
	return "Ed25519"
}

// VerifyCosignatures looks, for each verifier key, for a signature line with
// its name and key ID on the signed checkpoint and verifies it. Lines of
// unknown keys are ignored (C2SP rule). It fails only on a malformed note.
func VerifyCosignatures(signed []byte, vkeys []*keys.VKey) ([]Cosignature, error) {
	text, sigs, err := SplitNote(signed)
	if err != nil {
		return nil, err
	}
	out := make([]Cosignature, 0, len(vkeys))
	for _, v := range vkeys {
		c := Cosignature{Witness: v.Name, Type: v.Type}
		nk, err := newNoteKey(v.Name, v.Type, v.Key, nil)
		if err != nil {
			return nil, err
		}
		for _, s := range sigs {
			if s.Name != v.Name || s.Hash != v.Hash {
				continue
			}
			c.Found = true
			if nk.Verify(text, s.Sig) {
				c.Valid = true
				c.Time = time.Unix(int64(binary.BigEndian.Uint64(s.Sig[:8])), 0).UTC()
				break
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// SignatureLineFor signs a note text with s and returns the signature line,
// ending in a newline.
func SignatureLineFor(s note.Signer, text []byte) ([]byte, error) {
	sig, err := s.Sign(text)
	if err != nil {
		return nil, err
	}
	raw := binary.BigEndian.AppendUint32(nil, s.KeyHash())
	raw = append(raw, sig...)
	return fmt.Appendf(nil, "— %s %s\n", s.Name(), base64.StdEncoding.EncodeToString(raw)), nil
}

// AddSignatures returns the signed note with the given signature lines
// added. A new line replaces an existing line of the same key (name and key
// ID) — a witness's newer cosignature supersedes its older one — and lines
// already present are kept once. lines is a sequence of newline-terminated
// signature lines (an add-checkpoint response body).
func AddSignatures(signed, lines []byte) ([]byte, error) {
	text, have, err := SplitNote(signed)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return append([]byte(nil), signed...), nil
	}
	if lines[len(lines)-1] != '\n' {
		return nil, errors.New("signature lines must end in a newline")
	}
	type key struct {
		name string
		hash uint32
	}
	var add []SignatureLine
	replaced := map[key]bool{}
	for n, line := range strings.Split(string(lines[:len(lines)-1]), "\n") {
		s, err := ParseSignatureLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		add = append(add, s)
		replaced[key{s.Name, s.Hash}] = true
	}
	out := append(append([]byte(nil), text...), '\n')
	for _, s := range append(keepUnreplaced(have, func(s SignatureLine) bool { return replaced[key{s.Name, s.Hash}] }), add...) {
		out = append(append(out, s.Line...), '\n')
	}
	if _, sigs, err := SplitNote(out); err != nil || len(sigs) == 0 {
		return nil, fmt.Errorf("merged note: %v", err)
	}
	return out, nil
}

func keepUnreplaced(have []SignatureLine, replaced func(SignatureLine) bool) []SignatureLine {
	var out []SignatureLine
	seen := map[string]bool{}
	for _, s := range have {
		if !replaced(s) && !seen[s.Line] {
			seen[s.Line] = true
			out = append(out, s)
		}
	}
	return out
}

// WithClock returns a copy of a signer made by NewCosigner (or Signers)
// that takes cosignature timestamps from now; other signers are returned
// unchanged.
func WithClock(s note.Signer, now func() time.Time) note.Signer {
	if k, ok := s.(*noteKey); ok && now != nil {
		c := *k
		c.now = now
		return &c
	}
	return s
}

// EncodeHash returns the standard base64 of a hash, as checkpoints and
// proofs write it.
func EncodeHash(h []byte) string { return base64.StdEncoding.EncodeToString(h) }
