package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// jsonArray is one array of a document that encodeStreamed writes element
// by element: n elements, produced in order by next.
type jsonArray struct {
	// sentinel is the one element the shell holds in the array's place;
	// its encoding must occur nowhere else in the shell.
	sentinel any
	n        int
	next     func() (any, error)
}

// streamPrefix is the indentation of the elements of a top-level array
// under the two-space indent of the encoders: depth 2.
const streamPrefix = "    "

// encodeStreamed writes shell exactly as json.Encoder with SetIndent("",
// "  ") and HTML escaping writes it (what cyclonedx-go's pretty encoder and
// tools-golang's json.Write with Indent("  ") do), except that each array
// of arrays, which the shell holds as a slice of its sentinel alone, is
// written one element at a time. An encoder marshals the whole document
// into memory and indents it into a second buffer, so converting 1,000,000
// components held the library's model of all of them plus two copies of
// the output (issue 16: 10x the input); here only the model of one element
// and its bytes are held at a time.
//
// It relies on what encoding/json guarantees: an element indented on its
// own with the prefix of its depth reads byte for byte as the same element
// indented inside its document (TestConvertStreamedIdentical checks it on
// real SBOMs against the encoders themselves). Arrays must be at depth 2
// (members of the top-level object) and appear in the shell in the order
// given.
func encodeStreamed(w io.Writer, shell any, arrays []jsonArray) error {
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	if err := enc.Encode(shell); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	rest := head.Bytes()
	var compact []byte
	var elem bytes.Buffer
	indent := func(v any) ([]byte, error) {
		var err error
		if compact, err = json.Marshal(v); err != nil {
			return nil, err
		}
		elem.Reset()
		if err := json.Indent(&elem, compact, streamPrefix, "  "); err != nil {
			return nil, err
		}
		return elem.Bytes(), nil
	}
	for k, a := range arrays {
		s, err := indent(a.sentinel)
		if err != nil {
			return err
		}
		at := bytes.Index(rest, s)
		if at < 0 {
			return fmt.Errorf("streamed array %d: its sentinel is not in the document (a bug)", k)
		}
		if bytes.Contains(rest[at+len(s):], s) {
			return fmt.Errorf("streamed array %d: its sentinel occurs twice (a bug)", k)
		}
		bw.Write(rest[:at])
		rest = rest[at+len(s):]
		for i := range a.n {
			v, err := a.next()
			if err != nil {
				return err
			}
			b, err := indent(v)
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteString(",\n" + streamPrefix)
			}
			bw.Write(b)
		}
	}
	bw.Write(rest)
	return bw.Flush()
}
