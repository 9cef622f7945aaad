package sbom

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/sbomschema"
)

// ErrTooLarge is wrapped by the error Parse returns when the (decompressed)
// input exceeds Options.MaxBytes.
var ErrTooLarge = errors.New("SBOM exceeds the size limit")

// ParseFile reads the SBOM at path; see Parse. The path must name a
// regular file (a FIFO or device is refused before it is opened, so that
// reading never blocks), and an uncompressed file larger than the size
// limit is refused from its size alone, before any of it is read.
func ParseFile(path string, opts Options) (*Document, error) {
	f, st, err := fsread.Open(path, "SBOM")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz := gzipFile(f)
	if limit := opts.maxBytes(); limit > 0 && st.Size() > limit && !gz {
		return nil, fmt.Errorf("%s: %w of %d bytes: the file has %d (raise the limit with --max-bytes if the file is trusted)", path, ErrTooLarge, limit, st.Size())
	}
	if !gz && !opts.Strict && st.Size() >= streamMinBytes {
		if doc, err := parseCycloneDXJSONStream(f, st.Size(), opts.maxDepth()); err == nil {
			return finishDoc(doc, path, opts)
		}
		// not streamed: the whole document decides
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return Parse(f, path, opts)
}

// gzipFile tells whether f starts with the gzip magic bytes, and rewinds.
func gzipFile(f *os.File) bool {
	var magic [2]byte
	n, _ := f.ReadAt(magic[:], 0)
	return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
}

// Parse reads one SBOM from r. name is used in messages only: the format
// is detected from the content, and gzip-compressed input is unpacked.
// Errors name the place (line:column, JSON pointer or XML path) and what is
// wrong; readable-but-flawed documents parse with Document.Warnings.
func Parse(r io.Reader, name string, opts Options) (*Document, error) {
	data, err := readAll(r, name, opts.maxBytes())
	if err != nil {
		return nil, err
	}
	return parseBytes(data, name, opts)
}

// readAll reads r, unpacking gzip, and enforces the size limit on the
// decompressed bytes so that a small compressed bomb is refused too.
func readAll(r io.Reader, name string, limit int64) ([]byte, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	gz := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		src = zr
	}
	if limit > 0 {
		src = &fsread.LimitedReader{R: src, N: limit, Err: fmt.Errorf("%s: %w of %d bytes (raise the limit with --max-bytes if the file is trusted)", name, ErrTooLarge, limit)}
	}
	hint := 0
	switch v := r.(type) {
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Size() > 0 && st.Size() < 1<<31 {
			hint = int(st.Size())
		}
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		hint = v.Len()
	}
	if gz {
		hint = 0 // the compressed size says little
	}
	if limit > 0 && int64(hint) > limit {
		hint = int(limit)
	}
	data, err := fsread.ReadSized(src, max(hint, 64<<10-1))
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		if gz {
			return nil, fmt.Errorf("%s: gzip: %w (a truncated or corrupt file? check the download)", name, err)
		}
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	return data, nil
}

func parseBytes(data []byte, name string, opts Options) (*Document, error) {
	kind, err := detect(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkDepth(data, kind, opts.maxDepth()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	noSchema := false
	if opts.Strict {
		if err := sbomschema.Validate(data, sbomschema.Kind(kind), opts.SchemaDir); errors.Is(err, sbomschema.ErrNoSchema) {
			noSchema = true
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var doc *Document
	switch kind {
	case kindCycloneDXJSON:
		doc, err = parseCycloneDXJSONFast(data)
	case kindCycloneDXXML:
		doc, err = parseCycloneDXXML(data)
	case kindSPDXJSON:
		doc, err = parseSPDX2JSON(data, EncodingJSON)
	case kindSPDXTagValue:
		doc, err = parseSPDXTagValue(data)
	case kindSPDX3JSONLD:
		doc, err = parseSPDX3(data)
	case kindSPDXYAML:
		doc, err = parseSPDXYAML(data)
	case kindSPDXRDF:
		err = fmt.Errorf("SPDX RDF/XML is not supported: convert it to SPDX JSON (e.g. with the SPDX online tools or tools-golang) and try again")
	default:
		err = fmt.Errorf("%s documents are not supported", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if noSchema {
		doc.warn("/", fmt.Sprintf("--strict: %s has no schema dualmark can apply (CycloneDX XML needs XSD, SPDX 2 schema not staged); read without schema validation", kind))
	}
	return finishDoc(doc, name, opts)
}

// finishDoc runs what every reader's document goes through: the string
// limit and the document-wide checks (finish).
func finishDoc(doc *Document, name string, opts Options) (*Document, error) {
	if err := checkStrings(doc, opts.maxString()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	finish(doc)
	return doc, nil
}
