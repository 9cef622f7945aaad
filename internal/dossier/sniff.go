package dossier

import (
	"bytes"
)

// sniffLen is how much of a file sniff looks at.
const sniffLen = 8 << 10

// sniff recognises the documents most often passed where a dossier belongs:
// SBOMs (CycloneDX JSON/XML, SPDX JSON, tag-value, SPDX 3.0 JSON-LD), VEX
// documents (OpenVEX, CSAF) and gzip files. It returns a *NotADossierError
// for them and nil for anything else, which the YAML loader then judges.
// Only the start of the file is looked at; a YAML dossier never starts with
// "{" or "<", and no dossier field is called bomFormat or spdxVersion.
func sniff(data []byte, file string) error {
	head := data[:min(len(data), sniffLen)]
	if bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		return &NotADossierError{File: file, Kind: KindGzip, Format: "gzip; a compressed SBOM?"}
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	format := ""
	kind := KindSBOM
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		switch {
		case has(`"bomFormat"`) && has("CycloneDX"):
			format = "CycloneDX JSON"
		case has(`"spdxVersion"`):
			format = "SPDX JSON"
		case has(`"@context"`) && has("spdx.org/rdf/3"):
			format = "SPDX 3.0 JSON-LD"
		case has(`"@context"`) && has("openvex.dev"):
			kind, format = KindVEX, "OpenVEX"
		case has(`"csaf_version"`):
			kind, format = KindVEX, "CSAF"
		}
	case bytes.HasPrefix(trimmed, []byte("<")):
		if has("cyclonedx.org/schema/bom") {
			format = "CycloneDX XML"
		}
	case bytes.HasPrefix(trimmed, []byte("SPDXVersion:")):
		format = "SPDX tag-value"
	}
	if format == "" {
		return nil
	}
	return &NotADossierError{File: file, Kind: kind, Format: format}
}
