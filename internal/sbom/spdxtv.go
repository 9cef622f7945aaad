package sbom

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"sigs.k8s.io/yaml"
)

// parseSPDXTagValue reads SPDX 2 tag-value. It is hand-written rather than
// built on tools-golang's tagvalue reader because that reader refused at least 11
// readable real tag-value SBOMs of the 44 staged in sbom-inventory.json
// ("Creator:" values without a type, identifiers without the SPDXRef-
// prefix, mistyped tags such as FIleCopyrightText) and keeps no line
// numbers. CR-only line ends are accepted too. This reader takes the tags the model needs, skips unknown tags
// and <text> blocks, and records each package's line.
func parseSPDXTagValue(data []byte) (*Document, error) {
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	raw := spdx2JSON{}
	// Each package is converted when the next begins (or the document
	// ends): it can change no more once another has begun. The values are
	// strings over data, not copies, as in the other readers, and the
	// components and relationships are allocated once, from a count of
	// their tags (an upper bound: a tag may also occur inside <text>).
	// Together these brought a 1,000,000-package document from 4.2x its
	// size in heap to under 3x (docs/HARDENING.md).
	nPkgs := bytes.Count(data, []byte("PackageName:"))
	pkgs := spdx2Packages{doc: &Document{Components: make([]Component, 0, nPkgs)}}
	// a relationship is kept as the place of its value in data (a value
	// that is not a view of data, from a <text> block, as an index into
	// textRels with n = -1)
	type tvRel struct{ off, n int32 }
	rels := make([]tvRel, 0, bytes.Count(data, []byte("Relationship:")))
	var textRels []spdx2Relationship
	relOf := func(value string) spdx2Relationship {
		f := strings.Fields(value)
		return spdx2Relationship{Element: tvID(f[0]), Type: f[1], Related: tvID(f[2])}
	}
	var cur spdx2Package
	var pkg *spdx2Package
	done := 0 // packages converted
	flush := func() {
		if pkg != nil {
			pkgs.add(pkg, done)
			done++
			pkg = nil
		}
	}
	section := "document" // document, package, file, snippet, other
	n := 0
	rest := data
	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		n++
		tag, value, ok := strings.Cut(strings.TrimSpace(bytesString(line)), ":")
		if !ok || strings.HasPrefix(tag, "#") {
			continue
		}
		tag = strings.TrimSpace(tag)
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, "<text>") && !strings.Contains(value, "</text>") {
			// a multi-line <text> value: skip to its closing tag
			end := bytes.Index(rest, []byte("</text>"))
			if end < 0 {
				return nil, fmt.Errorf("line %d: <text> block of %s is never closed with </text> (truncated file?)", n, tag)
			}
			value = strings.TrimPrefix(value, "<text>") + "\n" + string(rest[:end])
			n += bytes.Count(rest[:end], []byte{'\n'})
			rest = rest[end:]
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[i+1:]
				n++
			} else {
				rest = nil
			}
			value = strings.TrimSpace(value)
		} else if strings.HasPrefix(value, "<text>") {
			value = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(value, "<text>"), "</text>"))
		}
		switch tag {
		case "SPDXVersion":
			if _, ok := spdx2Version(value); !ok {
				return nil, fmt.Errorf("line %d: SPDXVersion %q is not one dualmark reads (SPDX-2.1, SPDX-2.2, SPDX-2.3)", n, value)
			}
			raw.SPDXVersion = value
		case "DocumentName":
			raw.Name = value
		case "DocumentNamespace":
			raw.DocumentNamespace = value
		case "Creator", "Created":
			if raw.CreationInfo == nil {
				raw.CreationInfo = &struct {
					Created  string   `json:"created"`
					Creators []string `json:"creators"`
				}{}
			}
			if tag == "Created" {
				raw.CreationInfo.Created = value
			} else {
				raw.CreationInfo.Creators = append(raw.CreationInfo.Creators, value)
			}
		case "PackageName":
			flush()
			cur = spdx2Package{Name: value, line: n}
			pkg = &cur
			section = "package"
		case "FileName":
			section = "file"
		case "SnippetSPDXID":
			section = "snippet"
			raw.Snippets = append(raw.Snippets, struct {
				SPDXID string `json:"SPDXID"`
			}{tvID(value)})
		case "LicenseID":
			section = "other"
		case "SPDXID":
			switch section {
			case "document":
				raw.SPDXID = tvID(value)
			case "package":
				pkg.SPDXID = tvID(value)
			case "file":
				raw.Files = append(raw.Files, struct {
					SPDXID string `json:"SPDXID"`
				}{tvID(value)})
			}
		case "Relationship":
			f := strings.Fields(value)
			if len(f) < 3 {
				return nil, fmt.Errorf("line %d: Relationship %q: want \"<element> <TYPE> <element>\"", n, value)
			}
			if off := stringOffset(data, value); off >= 0 && off+len(value) <= len(data) && len(data) <= math.MaxInt32 {
				rels = append(rels, tvRel{int32(off), int32(len(value))})
			} else {
				rels = append(rels, tvRel{int32(len(textRels)), -1})
				textRels = append(textRels, relOf(value))
			}
		}
		if section != "package" || pkg == nil {
			continue
		}
		switch tag {
		case "PackageVersion":
			pkg.VersionInfo = value
		case "PackageFileName":
			pkg.PackageFileName = value
		case "PackageSupplier":
			pkg.Supplier = value
		case "PackageOriginator":
			pkg.Originator = value
		case "PackageDownloadLocation":
			pkg.DownloadLocation = value
		case "PackageSourceInfo":
			pkg.SourceInfo = value
		case "PackageLicenseConcluded":
			pkg.LicenseConcluded = value
		case "PackageLicenseDeclared":
			pkg.LicenseDeclared = value
		case "PackageVerificationCode":
			code, _, _ := strings.Cut(value, "(")
			pkg.VerificationCode = &struct {
				Value string `json:"packageVerificationCodeValue"`
			}{strings.TrimSpace(code)}
		case "PackageComment":
			pkg.Comment = value
		case "PrimaryPackagePurpose":
			pkg.PrimaryPackagePurpose = value
		case "PackageChecksum":
			alg, sum, _ := strings.Cut(value, ":")
			pkg.Checksums = append(pkg.Checksums, struct {
				Algorithm     string `json:"algorithm"`
				ChecksumValue string `json:"checksumValue"`
			}{strings.TrimSpace(alg), strings.TrimSpace(sum)})
		case "ExternalRef":
			f := strings.Fields(value)
			if len(f) < 3 {
				return nil, fmt.Errorf("line %d: ExternalRef %q: want \"<CATEGORY> <type> <locator>\"", n, value)
			}
			pkg.ExternalRefs = append(pkg.ExternalRefs, struct {
				ReferenceCategory string `json:"referenceCategory"`
				ReferenceType     string `json:"referenceType"`
				ReferenceLocator  string `json:"referenceLocator"`
			}{f[0], f[1], f[2]})
		}
	}
	if raw.SPDXVersion == "" {
		return nil, fmt.Errorf("line 1: no SPDXVersion tag: not an SPDX tag-value document")
	}
	flush()
	return finishSPDX2(&raw, EncodingTagValue, &pkgs, len(rels), func(i int) spdx2Relationship {
		r := rels[i]
		if r.n < 0 {
			return textRels[r.off]
		}
		return relOf(bytesString(data[r.off : r.off+r.n]))
	})
}

// stringOffset returns the offset of s in data when s is a view of data
// (bytesString), else -1.
func stringOffset(data []byte, s string) int {
	if len(s) == 0 || len(data) == 0 {
		return -1
	}
	off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(&data[0]))
	if off >= uintptr(len(data)) {
		return -1
	}
	return int(off)
}

// bytesString views b as a string without copying it. The reader's input
// is never written to once read, so the strings stay valid for as long as
// the model that holds them.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// tvID adds the SPDXRef- prefix that some generators leave out.
func tvID(id string) string {
	if id == "" || strings.HasPrefix(id, "SPDXRef-") || isSPDXSpecial(id) {
		return id
	}
	return "SPDXRef-" + id
}

// parseSPDXYAML converts SPDX 2 YAML to JSON and reads it as JSON.
func parseSPDXYAML(data []byte) (*Document, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("SPDX YAML: %v", err)
	}
	return parseSPDX2JSON(j, EncodingYAML)
}
