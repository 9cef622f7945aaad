package monitor

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/fsread"
)

// CSAFIssue is a document an import skipped: where it came from (file,
// file:line, zip!entry or URL), the JSON pointer and the test that failed
// (a schema or mandatory test id of csaf.Check, "read" for what the
// streaming reader refuses, "json" for bytes that are not JSON).
type CSAFIssue struct {
	Document string `json:"document"`
	Pointer  string `json:"pointer"`
	Test     string `json:"test"`
	Message  string `json:"message"`
}

// CSAFImport says what an import of CSAF documents did.
type CSAFImport struct {
	// Documents were read and stored; Unchanged of them were stored
	// before with the same bytes; Products are the product rows written.
	Documents int `json:"documents"`
	Unchanged int `json:"unchanged"`
	Products  int `json:"products"`
	// Skipped documents, each with its issues.
	Skipped int         `json:"skipped"`
	Issues  []CSAFIssue `json:"issues"`
	// Unchecked says the schema and mandatory tests did not run (no CSAF
	// schema folder): only what the reader refuses is skipped, and no
	// optional test runs.
	Unchecked bool `json:"unchecked,omitempty"`
	// Warnings are the CSAF 2.0 optional tests (6.2) the stored documents
	// fail, each with its document, test id and JSON pointer; they never
	// skip a document. WarningCount counts them, WarnedDocuments the
	// documents with one, WarningTests the documents failing each test.
	// Warnings lists at most CSAFOptions.MaxWarnings of them (the counts
	// are whole).
	Warnings        []CSAFIssue    `json:"warnings"`
	WarningCount    int            `json:"warningCount"`
	WarnedDocuments int            `json:"warnedDocuments"`
	WarningTests    map[string]int `json:"warningTests"`
	// Rematch is the re-match of the device pairs the documents touch.
	Rematch *Result `json:"rematch"`
}

// CSAFOptions tune an import.
type CSAFOptions struct {
	// Schemas check each document (schema and mandatory tests 6.1.1–6.1.8)
	// before it is stored; nil, or a set without the schema folder, checks
	// nothing beyond what the reader refuses.
	Schemas *csaf.Schemas
	// Client fetches ROLIE feeds and their documents (default: a client
	// with a 60 s timeout).
	Client *http.Client
	// MaxDocument bounds one document (default csaf.MaxDocumentBytes).
	MaxDocument int64
	// MaxWarnings bounds the optional-test warnings the answer lists
	// (0: all; they are counted all the same).
	MaxWarnings int
}

// csafImporter is one import in progress.
type csafImporter struct {
	m      *Monitor
	ctx    context.Context
	opts   CSAFOptions
	res    *CSAFImport
	docs   []string
	tracks []string
}

// ImportCSAF imports CSAF documents — files (.json, .json.gz), folders of
// them, zip archives and JSON lines (.jsonl, .jsonl.gz, one document a
// line), or http(s) URLs of ROLIE feeds — one document at a time: each is
// checked, read by csaf.Read, stored with its products under their device
// keys, and let go before the next. A bad document is skipped and reported
// with its issues; the rest applies. The device pairs the stored documents
// touch are then re-matched in one job (db gives KEV and EPSS; nil for
// none).
func (m *Monitor) ImportCSAF(ctx context.Context, db *advisory.DB, opts CSAFOptions, sources ...string) (*CSAFImport, error) {
	if opts.MaxDocument <= 0 {
		opts.MaxDocument = csaf.MaxDocumentBytes
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 60 * time.Second}
	}
	im := &csafImporter{m: m, ctx: ctx, opts: opts, res: &CSAFImport{Issues: []CSAFIssue{}, Warnings: []CSAFIssue{}, WarningTests: map[string]int{}}}
	if opts.Schemas != nil {
		if _, err := opts.Schemas.Get(csaf.CSAFSchemaURL); err != nil {
			im.opts.Schemas = nil
		}
	}
	im.res.Unchecked = im.opts.Schemas == nil
	for _, src := range sources {
		var err error
		if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
			err = im.feed(src)
		} else {
			err = im.path(src)
		}
		if err != nil {
			return im.res, err
		}
	}
	if db == nil {
		db = emptyDB
	}
	res, err := m.run(ctx, db, Plan{Kind: KindCSAF, CSAF: im.docs, Records: im.tracks}, "", nil)
	if err != nil {
		return im.res, err
	}
	im.res.Rematch = res
	return im.res, nil
}

func (im *csafImporter) path(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		var files []string
		err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && (strings.HasSuffix(q, ".json") || strings.HasSuffix(q, ".json.gz")) {
				files = append(files, q)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(files)
		for _, f := range files {
			if err := im.file(f); err != nil {
				return err
			}
		}
		return nil
	}
	return im.file(p)
}

func (im *csafImporter) file(p string) error {
	f, st, err := fsread.Open(p, "CSAF documents")
	if err != nil {
		return err
	}
	defer f.Close()
	name := strings.ToLower(p)
	switch {
	case strings.HasSuffix(name, ".zip"):
		return im.zip(p, f, st.Size())
	case strings.HasSuffix(name, ".jsonl.gz"), strings.HasSuffix(name, ".ndjson.gz"):
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return im.lines(p, zr)
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
		return im.lines(p, f)
	case strings.HasSuffix(name, ".gz"):
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return im.reader(p, zr)
	}
	return im.reader(p, f)
}

// reader imports one document from r, read up to the size limit.
func (im *csafImporter) reader(name string, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, im.opts.MaxDocument+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > im.opts.MaxDocument {
		im.skip(name, CSAFIssue{Test: "read", Message: fmt.Sprintf("larger than %d bytes", im.opts.MaxDocument)})
		return nil
	}
	return im.doc(name, data)
}

func (im *csafImporter) lines(name string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), int(im.opts.MaxDocument))
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := im.doc(fmt.Sprintf("%s:%d", name, n), line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s line %d: %w", name, n+1, err)
	}
	return nil
}

func (im *csafImporter) zip(name string, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(f.Name), ".json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			im.skip(name+"!"+f.Name, CSAFIssue{Test: "read", Message: err.Error()})
			continue
		}
		err = im.reader(name+"!"+f.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// rolieFeed is what an import reads of a ROLIE feed.
type rolieFeed struct {
	Feed struct {
		Entry []struct {
			ID      string `json:"id"`
			Content struct {
				Src string `json:"src"`
			} `json:"content"`
			Link []struct {
				Rel  string `json:"rel"`
				Href string `json:"href"`
			} `json:"link"`
		} `json:"entry"`
	} `json:"feed"`
}

// feed imports every document a ROLIE feed lists (content src, else the
// self link), resolved against the feed's URL.
func (im *csafImporter) feed(u string) error {
	base, err := url.Parse(u)
	if err != nil {
		return err
	}
	data, err := im.get(u, 64<<20)
	if err != nil {
		return fmt.Errorf("ROLIE feed %s: %w", u, err)
	}
	var f rolieFeed
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("ROLIE feed %s: %w", u, err)
	}
	for i, e := range f.Feed.Entry {
		src := e.Content.Src
		if src == "" {
			for _, l := range e.Link {
				if l.Rel == "self" {
					src = l.Href
				}
			}
		}
		ref, err := url.Parse(src)
		if src == "" || err != nil {
			im.skip(fmt.Sprintf("%s#/feed/entry/%d", u, i), CSAFIssue{Pointer: fmt.Sprintf("/feed/entry/%d/content/src", i), Test: "read", Message: "entry names no document"})
			continue
		}
		doc := base.ResolveReference(ref).String()
		body, err := im.get(doc, im.opts.MaxDocument)
		if err != nil {
			im.skip(doc, CSAFIssue{Test: "read", Message: err.Error()})
			continue
		}
		if err := im.doc(doc, body); err != nil {
			return err
		}
	}
	return nil
}

func (im *csafImporter) get(u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(im.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := im.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, limit)
	}
	return data, nil
}

func (im *csafImporter) skip(name string, issues ...CSAFIssue) {
	im.res.Skipped++
	for _, is := range issues {
		is.Document = name
		im.res.Issues = append(im.res.Issues, is)
	}
}

// warn runs the optional tests (6.2) on a stored document and adds their
// failures as warnings; only a checked import runs them (they assume a
// document that passed the schema).
func (im *csafImporter) warn(name string, data []byte) {
	if im.opts.Schemas == nil {
		return
	}
	ps, err := csaf.OptionalTests(data, im.opts.Schemas)
	if err != nil { // the document passed the schema: JSON, so not expected
		ps = []csaf.Problem{{Test: "6.2", Message: "optional tests did not run: " + err.Error()}}
	}
	if len(ps) == 0 {
		return
	}
	im.res.WarnedDocuments++
	seen := map[string]bool{}
	for _, p := range ps {
		im.res.WarningCount++
		if !seen[p.Test] {
			seen[p.Test] = true
			im.res.WarningTests[p.Test]++
		}
		if im.opts.MaxWarnings <= 0 || len(im.res.Warnings) < im.opts.MaxWarnings {
			im.res.Warnings = append(im.res.Warnings, CSAFIssue{Document: name, Pointer: p.Pointer, Test: p.Test, Message: p.Message})
		}
	}
}

// doc checks, reads and stores one document.
func (im *csafImporter) doc(name string, data []byte) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	if im.opts.Schemas != nil {
		ps, err := csaf.CheckBytes(data, im.opts.Schemas)
		if err != nil {
			im.skip(name, CSAFIssue{Test: "json", Message: err.Error()})
			return nil
		}
		if len(ps) > 0 {
			issues := make([]CSAFIssue, len(ps))
			for i, p := range ps {
				issues[i] = CSAFIssue{Pointer: p.Pointer, Test: p.Test, Message: p.Message}
			}
			im.skip(name, issues...)
			return nil
		}
	}
	e, err := csaf.Read(bytes.NewReader(data), csaf.Limits{})
	if err != nil {
		is := CSAFIssue{Test: "read", Message: err.Error()}
		var re *csaf.ReadError
		if errors.As(err, &re) {
			is.Pointer, is.Message = re.Pointer, fmt.Sprintf("offset %d: %v", re.Offset, re.Err)
		}
		im.skip(name, is)
		return nil
	}
	id, changed, n, err := im.m.storeEntry(im.ctx, e, sha256.Sum256(data))
	if err != nil {
		return fmt.Errorf("%s: storing %s: %w", name, e.TrackingID, err)
	}
	im.res.Documents++
	im.warn(name, data)
	if !changed {
		im.res.Unchanged++
		return nil
	}
	im.res.Products += n
	im.docs = append(im.docs, id)
	im.tracks = append(im.tracks, e.TrackingID)
	return nil
}
