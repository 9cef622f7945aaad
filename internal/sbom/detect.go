package sbom

import (
	"bytes"
	"errors"
)

// docKind is a detected format + encoding.
type docKind string

const (
	kindCycloneDXJSON docKind = "CycloneDX JSON"
	kindCycloneDXXML  docKind = "CycloneDX XML"
	kindSPDXJSON      docKind = "SPDX 2 JSON"
	kindSPDXYAML      docKind = "SPDX 2 YAML"
	kindSPDXTagValue  docKind = "SPDX 2 tag-value"
	kindSPDX3JSONLD   docKind = "SPDX 3 JSON-LD"
	kindSPDXRDF       docKind = "SPDX RDF/XML"
)

// detect tells the format from the content. For JSON it looks for the
// marker key that each format requires (bomFormat, spdxVersion, @context)
// and picks the one that occurs first, so a marker quoted inside a
// description further down does not mislead it.
func detect(data []byte) (docKind, error) {
	b := skipSpaceAndBOM(data)
	if len(b) == 0 {
		return "", errors.New("empty document: expected a CycloneDX or SPDX SBOM")
	}
	switch b[0] {
	case '{':
		return detectJSON(b)
	case '<':
		return detectXML(b)
	}
	return detectText(b)
}

func skipSpaceAndBOM(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(b, " \t\r\n")
}

func detectJSON(b []byte) (docKind, error) {
	markers := []struct {
		key  string
		kind docKind
	}{
		{`"bomFormat"`, kindCycloneDXJSON},
		{`"spdxVersion"`, kindSPDXJSON},
		{`"@context"`, kindSPDX3JSONLD},
	}
	best, at := docKind(""), -1
	for _, m := range markers {
		// once a marker is found, the others are looked for before it
		// only: searching the whole document for the two a CycloneDX
		// file lacks was a tenth of reading it
		hay := b
		if at >= 0 {
			hay = b[:at]
		}
		if i := bytes.Index(hay, []byte(m.key)); i >= 0 {
			best, at = m.kind, i
		}
	}
	if best == "" {
		if bytes.Contains(b, []byte(`"$schema"`)) && bytes.Contains(b, []byte("cyclonedx")) {
			return kindCycloneDXJSON, nil
		}
		return "", errors.New("JSON document is neither CycloneDX (no \"bomFormat\"), SPDX 2 (no \"spdxVersion\") nor SPDX 3 (no \"@context\")")
	}
	return best, nil
}

func detectXML(b []byte) (docKind, error) {
	head := b
	if len(head) > 8192 {
		head = head[:8192]
	}
	switch {
	case bytes.Contains(head, []byte("cyclonedx.org/schema/bom")):
		return kindCycloneDXXML, nil
	case bytes.Contains(head, []byte("spdx.org/rdf/terms")):
		return kindSPDXRDF, nil
	}
	return "", errors.New("XML document has no CycloneDX namespace (http://cyclonedx.org/schema/bom/1.x) in its root element")
}

func detectText(b []byte) (docKind, error) {
	head := b
	if len(head) > 65536 {
		head = head[:65536]
	}
	for line := range bytes.Lines(head) {
		t := bytes.TrimSpace(line)
		switch {
		case len(t) == 0 || t[0] == '#':
			continue
		case bytes.HasPrefix(t, []byte("SPDXVersion:")):
			return kindSPDXTagValue, nil
		case bytes.HasPrefix(t, []byte("spdxVersion:")), bytes.HasPrefix(t, []byte("---")):
			if bytes.Contains(head, []byte("spdxVersion:")) {
				return kindSPDXYAML, nil
			}
		}
		if bytes.Contains(head, []byte("\nSPDXVersion:")) {
			return kindSPDXTagValue, nil
		}
		if bytes.Contains(head, []byte("spdxVersion:")) {
			return kindSPDXYAML, nil
		}
		break
	}
	return "", errors.New("not an SBOM: expected CycloneDX JSON/XML or SPDX JSON/YAML/tag-value/JSON-LD content")
}
