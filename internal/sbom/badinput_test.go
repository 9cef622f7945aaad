package sbom

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
)

// TestBadInput feeds broken and hostile documents: each must fail with an
// error naming the place, or parse with the expected warning; none may
// panic or return a silent partial result.
func TestBadInput(t *testing.T) {
	const cdxHead = `{"bomFormat": "CycloneDX", "specVersion": "1.6", `
	billion := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>&lol2;</name></component></components></bom>`
	cases := []struct {
		name, input string
		errWant     string // fragment of the error; "" = must parse
		warnWant    string // fragment of a warning when it parses
	}{
		{"empty", "", "empty document", ""},
		{"whitespace", " \n\t ", "empty document", ""},
		{"binary", "\x00\x01\x02garbage", "not an SBOM", ""},
		{"truncated CycloneDX JSON", cdxHead + `"components": [{"name": "a"`, "line 1, column", ""},
		{"malformed JSON", cdxHead + `"components": [{"name": "a",, }]}`, "malformed JSON", ""},
		{"wrong type", cdxHead + `"components": [{"name": ["a"]}]}`, "/components/0/name", ""},
		{"components not an array", cdxHead + `"components": {"name": "a"}}`, "/components", ""},
		{"unknown CycloneDX version", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, "/specVersion", ""},
		{"not CycloneDX", `{"bomFormat": "SWID", "specVersion": "1.6"}`, "/bomFormat", ""},
		{"JSON of no known format", `{"hello": "world"}`, "neither CycloneDX", ""},
		{"duplicate bom-ref", cdxHead + `"components": [{"bom-ref": "a", "name": "x"}, {"bom-ref": "a", "name": "y"}]}`, "", `duplicate ref "a"`},
		{"dangling dependency", cdxHead + `"components": [{"bom-ref": "a", "name": "x"}], "dependencies": [{"ref": "a", "dependsOn": ["zzz"]}]}`, "", `"zzz", which names no component`},
		{"cyclic dependencies", cdxHead + `"components": [{"bom-ref": "a", "name": "x"}, {"bom-ref": "b", "name": "y"}], "dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}]}`, "", "dependency cycle: a -> b -> a"},
		{"bad purl kept with warning", cdxHead + `"components": [{"name": "x", "purl": "pkg:maven/log4j@1"}]}`, "", "requires a namespace"},
		{"XML entity expansion", billion, "<!DOCTYPE>) refused", ""},
		{"XML truncated", `<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library"><name>a</name>`, "XML", ""},
		{"XML wrong namespace", `<bom xmlns="http://example.com/bom"><components/></bom>`, "no CycloneDX namespace", ""},
		{"SPDX RDF", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:spdx="http://spdx.org/rdf/terms#"></rdf:RDF>`, "SPDX RDF/XML is not supported", ""},
		{"tag-value unclosed text", "SPDXVersion: SPDX-2.3\nPackageName: a\nPackageCopyrightText: <text>abc\n", "line 3: <text> block", ""},
		{"tag-value bad version", "SPDXVersion: SPDX-9.0\n", "line 1: SPDXVersion", ""},
		{"SPDX JSON bad version", `{"spdxVersion": "SPDX-1.2", "packages": []}`, "/spdxVersion", ""},
		{"SPDX 3 bad context", `{"@context": "https://example.com/ctx", "@graph": []}`, "/@context", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := Parse(strings.NewReader(c.input), "in.json", Options{})
			if c.errWant != "" {
				if err == nil {
					t.Fatalf("parsed (%d components), want an error containing %q", len(doc.Components), c.errWant)
				}
				if !strings.Contains(err.Error(), c.errWant) {
					t.Fatalf("error %q does not contain %q", err, c.errWant)
				}
				if !strings.Contains(err.Error(), "in.json") {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if c.warnWant != "" && !hasWarning(doc, c.warnWant) {
				t.Errorf("no warning containing %q in %+v", c.warnWant, doc.Warnings)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	big := `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [` + strings.Repeat(`{"name": "x"},`, 1000) + `{"name": "y"}]}`
	if _, err := Parse(strings.NewReader(big), "big.json", Options{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("plain: got %v, want ErrTooLarge", err)
	}
	// a gzip bomb: small compressed, large decompressed
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(big))
	w.Write(bytes.Repeat([]byte(" "), 1<<20))
	w.Close()
	if gz.Len() > 20000 {
		t.Fatalf("compressed test input unexpectedly large: %d", gz.Len())
	}
	if _, err := Parse(bytes.NewReader(gz.Bytes()), "bomb.json.gz", Options{MaxBytes: 100000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("gzip: got %v, want ErrTooLarge", err)
	}
	if doc, err := Parse(bytes.NewReader(gz.Bytes()), "ok.json.gz", Options{}); err != nil || len(doc.Components) != 1001 {
		t.Errorf("gzip within the default limit: %v", err)
	}
	if _, err := Parse(bytes.NewReader(gz.Bytes()[:gz.Len()/2]), "cut.json.gz", Options{}); err == nil || !strings.Contains(err.Error(), "truncated or corrupt") {
		t.Errorf("truncated gzip: got %v", err)
	}
}
