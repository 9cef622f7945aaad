package sbomschema

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The helpers below are copies of sbom's (cdxxml.go, cdxjson.go,
// common.go), so that the errors of Validate read exactly as those of the
// reader, without sbomschema importing the model it validates for.

// cdxNamespacePrefix starts every CycloneDX XML namespace.
const cdxNamespacePrefix = "http://cyclonedx.org/schema/bom/"

// knownCycloneDXVersion tells whether v is a CycloneDX version (1.0–1.7).
func knownCycloneDXVersion(v string) bool {
	switch v {
	case "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7":
		return true
	}
	return false
}

// refuseDTD rejects XML documents that declare a DTD: CycloneDX never
// needs one, and internal entity declarations are the vehicle of
// entity-expansion ("billion laughs") and external-entity attacks.
func refuseDTD(data []byte) error {
	if i := bytes.Index(data, []byte("<!DOCTYPE")); i >= 0 {
		return fmt.Errorf("%s: XML document type declaration (<!DOCTYPE>) refused: entity declarations are not allowed in an SBOM (entity expansion attack?)", lineCol(data, int64(i)))
	}
	if i := bytes.Index(data, []byte("<!ENTITY")); i >= 0 {
		return fmt.Errorf("%s: XML entity declaration refused (entity expansion attack?)", lineCol(data, int64(i)))
	}
	return nil
}

// xmlError names the line of an XML error.
func xmlError(data []byte, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: malformed XML: %s", se.Line, se.Msg)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated XML: the document ends early", lineCol(data, int64(len(data))))
	}
	line, col := dec.InputPos()
	return fmt.Errorf("line %d, column %d: %v", line, col, err)
}

// lineCol turns a byte offset into "line L, column C" (both 1-based).
func lineCol(data []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
