package advisory

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/fsread"
)

// Issue is a record or file that an import skipped, and why.
type Issue struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// String renders an issue as "file:line id: reason".
func (i Issue) String() string {
	loc := i.File
	if i.Line > 0 {
		loc += ":" + strconv.Itoa(i.Line)
	}
	if i.ID != "" {
		loc += " " + i.ID
	}
	return loc + ": " + i.Reason
}

// Progress is reported after every file an import reads.
type Progress struct {
	File    string // the file just read
	Files   int    // files read so far
	Records int    // OSV records accepted so far (before de-duplication)
	Skipped int    // records skipped so far
}

// Importer reads advisory sources into a Builder. Bad records are recorded
// as Issues and skipped; they never abort an import.
type Importer struct {
	*Builder
	// Issues lists every skipped record or file.
	Issues []Issue
	// Warnings lists the parts of kept records that answer nothing: the
	// version items of CVE records whose bounds do not parse in their
	// versionType.
	Warnings []Issue
	// OnProgress, when set, is called after each file.
	OnProgress func(Progress)
	// Limits bound the import's work; the zero value is the defaults.
	Limits Limits

	abort error // the limit error that stops the import
	read  int   // records read so far, for Limits.MaxRecords

	progress Progress
	src      *Source
	root     string // the directory Add is walking
}

// NewImporter returns an Importer over an empty Builder.
func NewImporter() *Importer { return &Importer{Builder: NewBuilder()} }

// maxRecordBytes bounds one advisory document.
const maxRecordBytes = 256 << 20

// Add imports a path: a directory (walked recursively; files of other
// kinds are ignored), an OSV record as .json/.yaml/.yml, JSON lines as
// .jsonl/.ndjson, any of these gzip-compressed (.gz), an OSV bucket
// all.zip, the CISA KEV catalogue (JSON or CSV) or an EPSS CSV(.gz). The
// kind of a .json or .csv file is recognised from its content. Only an
// unreadable path, or input past one of the Limits (ErrLimit), is an
// error.
func (im *Importer) Add(path string) error {
	if im.abort != nil {
		return im.abort
	}
	err := im.add(path)
	if im.abort != nil {
		return im.abort
	}
	return err
}

func (im *Importer) add(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	before := len(im.sources)
	defer im.finishSources(before)
	if !st.IsDir() {
		return im.addFile(path, true)
	}
	im.root = filepath.Clean(path)
	defer func() { im.root = "" }()
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if im.abort != nil {
			return im.abort
		}
		if err != nil {
			im.issue(Issue{File: p, Reason: "unreadable: " + err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != path && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir // .git and other hidden directories of a checkout
			}
			return nil
		}
		if !known(p) || cveListLog(d.Name()) {
			return nil
		}
		return im.addFile(p, false)
	})
}

// finishSources sorts the sources added by one Add call.
func (im *Importer) finishSources(from int) {
	s := im.sources[from:]
	sort.SliceStable(s, func(i, j int) bool { return s[i].Location < s[j].Location })
}

// cveListLog reports whether a file is one of the cvelistV5 checkout's
// change logs (cves/delta.json, cves/deltaLog.json), which list changed
// records but are not records themselves.
func cveListLog(name string) bool { return name == "delta.json" || name == "deltaLog.json" }

// known reports whether a file name has an extension an import reads.
func known(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range []string{".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".zip", ".csv"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

func (im *Importer) addFile(path string, explicit bool) error {
	// only regular files: opening a FIFO would block for ever, a device
	// could be read for ever
	f, _, err := fsread.Open(path, "advisory file")
	if err == nil && strings.HasSuffix(strings.ToLower(path), ".zip") {
		f.Close()
		err := im.addZip(path)
		im.progressed(path)
		return err
	}
	if err != nil {
		if explicit {
			return fmt.Errorf("import %s: %w", path, err)
		}
		im.issue(Issue{File: path, Reason: "unreadable: " + err.Error()})
		return nil
	}
	defer f.Close()
	if err := im.AddReader(f, path); err != nil && explicit {
		return err
	}
	im.progressed(path)
	return nil
}

func (im *Importer) progressed(path string) {
	im.progress.File = path
	im.progress.Files++
	if im.OnProgress != nil {
		im.OnProgress(im.progress)
	}
}

func (im *Importer) issue(i Issue) {
	im.Issues = append(im.Issues, i)
	im.skipped++
	im.progress.Skipped++
	if im.src != nil {
		im.src.Skipped++
	}
}

// addZip imports every entry of a zip archive, such as an OSV bucket's
// <Ecosystem>/all.zip of <ID>.json files.
func (im *Importer) addZip(path string) error { return im.addZipAs(path, path, 0) }

// addZipAs imports the zip archive at path, naming its members after
// display; a zip inside it (a cvelistV5 bulk release nests cves.zip) is
// read too, one level deep.
func (im *Importer) addZipAs(path, display string, depth int) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		im.issue(Issue{File: display, Reason: "not a readable zip archive: " + err.Error()})
		return nil
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if im.abort != nil {
			return nil
		}
		name := display + "!" + zf.Name
		if strings.HasSuffix(strings.ToLower(zf.Name), ".zip") && depth == 0 {
			im.addNestedZip(zf, name)
			continue
		}
		if zf.FileInfo().IsDir() || !known(zf.Name) || strings.HasSuffix(strings.ToLower(zf.Name), ".zip") || cveListLog(filepath.Base(zf.Name)) {
			continue
		}
		if im.tooLarge(zf, name) {
			return nil
		}
		if zf.UncompressedSize64 > maxRecordBytes*4 {
			im.issue(Issue{File: name, Reason: "archive member too large"})
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			im.issue(Issue{File: name, Reason: "unreadable archive member: " + err.Error()})
			continue
		}
		_ = im.addReader(im.inflateLimit(rc, name), name)
		rc.Close()
	}
	return nil
}

// tooLarge reports whether a zip member declares more bytes than the
// decompressed-bytes limit, and stops the import if so. (archive/zip fails
// a member that inflates past its declared size, so the declaration
// bounds the work.)
func (im *Importer) tooLarge(zf *zip.File, name string) bool {
	if n := im.Limits.decompressed(); n > 0 && zf.UncompressedSize64 > uint64(n) {
		im.abort = fmt.Errorf("%s: %w: the member declares %d bytes, past the decompressed-bytes limit of one stream of %d bytes", name, ErrLimit, zf.UncompressedSize64, n)
		return true
	}
	return false
}

// addNestedZip extracts a zip member that is itself a zip to a temporary
// file and imports it.
func (im *Importer) addNestedZip(zf *zip.File, name string) {
	rc, err := zf.Open()
	if err != nil {
		im.issue(Issue{File: name, Reason: "unreadable archive member: " + err.Error()})
		return
	}
	defer rc.Close()
	if im.tooLarge(zf, name) {
		return
	}
	tmp, err := os.CreateTemp("", "dualmark-nested-*.zip")
	if err != nil {
		im.issue(Issue{File: name, Reason: "cannot extract: " + err.Error()})
		return
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, im.inflateLimit(rc, name))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if im.abort != nil {
		return
	}
	if err != nil {
		im.issue(Issue{File: name, Reason: "cannot extract: " + err.Error()})
		return
	}
	_ = im.addZipAs(tmp.Name(), name, 1)
}

// AddReader imports one document read from r; name (a path or URL) selects
// the format by its extension (.gz is decompressed) and is used in Issues
// and provenance. It returns an error only when r cannot be read at all or
// the input exceeds one of the Limits (ErrLimit); bad content becomes
// Issues.
func (im *Importer) AddReader(r io.Reader, name string) error {
	if im.abort != nil {
		return im.abort
	}
	err := im.addReader(r, name)
	if im.abort != nil {
		return im.abort
	}
	return err
}

func (im *Importer) addReader(r io.Reader, name string) error {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			im.issue(Issue{File: name, Reason: "not gzip data: " + err.Error()})
			return nil
		}
		defer zr.Close()
		r, lower = im.inflateLimit(zr, name), strings.TrimSuffix(lower, ".gz")
	}
	switch {
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return im.addLines(r, name)
	case strings.HasSuffix(lower, ".csv"):
		return im.addCSV(r, name)
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		data, err := readLimited(r, name)
		if err != nil {
			if im.abort == nil {
				im.issue(Issue{File: name, Reason: err.Error()})
			}
			return nil
		}
		js, err := yamlToJSON(data)
		if err != nil {
			im.issue(Issue{File: name, Reason: "invalid YAML: " + err.Error()})
			return nil
		}
		im.addJSONRecord(js, name, 0)
		return nil
	case strings.HasSuffix(lower, ".json"):
		data, err := readLimited(r, name)
		if err != nil {
			if im.abort == nil {
				im.issue(Issue{File: name, Reason: err.Error()})
			}
			return nil
		}
		im.addJSONDocument(data, name)
		return nil
	}
	im.issue(Issue{File: name, Reason: "unknown file type: expected .json, .jsonl, .yaml, .yml, .zip or .csv (optionally .gz)"})
	return nil
}

// utf8BOM is the byte order mark some editors put before JSON or YAML.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readLimited reads a whole document of at most maxRecordBytes, without a
// leading byte order mark.
func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxRecordBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unreadable: %v", err)
	}
	if len(data) > maxRecordBytes {
		return nil, fmt.Errorf("larger than %d MiB; split it into JSON lines", maxRecordBytes>>20)
	}
	return bytes.TrimPrefix(data, utf8BOM), nil
}

// source returns the provenance entry of a file and kind, creating it.
func (im *Importer) source(name, kind string) *Source {
	loc := name
	if i := strings.Index(loc, "!"); i > 0 {
		loc = loc[:i] // zip members count towards their archive
	}
	// Files inside a walked directory count towards the directory, or
	// towards its first-level subdirectory when nested deeper (one source
	// per feed, not per file).
	if rel, err := filepath.Rel(im.root, loc); im.root != "" && err == nil && !strings.HasPrefix(rel, "..") {
		loc = im.root
		if first, _, nested := strings.Cut(filepath.ToSlash(rel), "/"); nested {
			loc = filepath.Join(im.root, first)
		}
	}
	for i := range im.sources {
		if im.sources[i].Location == loc && im.sources[i].Kind == kind {
			return &im.sources[i]
		}
	}
	im.sources = append(im.sources, Source{Location: loc, Kind: kind})
	return &im.sources[len(im.sources)-1]
}

// addLines imports JSON lines, one OSV record per line.
func (im *Importer) addLines(r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, 1<<20)
	// Each record picks its source kind (osv or cve5) by its content.
	im.src = nil
	defer func() { im.src = nil }()
	var batch []lineJob
	defer func() { im.flushLines(batch, name) }()
	for line := 1; ; line++ {
		line += skipNewlines(br)
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long := append([]byte(nil), b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = br.ReadSlice('\n')
				if len(long) <= maxRecordBytes {
					long = append(long, b...)
				}
			}
			if len(long) > maxRecordBytes {
				im.flushLines(batch, name) // keep issues in line order
				batch = batch[:0]
				im.issue(Issue{File: name, Line: line, Reason: fmt.Sprintf("line longer than %d MiB", maxRecordBytes>>20)})
				long = nil
			}
			b = long
		}
		if line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if !im.tick(name) {
				return nil
			}
			batch = append(batch, lineJob{line: line, data: append([]byte(nil), t...)})
			if len(batch) == lineBatch {
				im.flushLines(batch, name)
				batch = batch[:0]
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			im.flushLines(batch, name)
			batch = nil
			if im.abort == nil {
				im.issue(Issue{File: name, Line: line, Reason: "read error: " + err.Error()})
			}
			return nil
		}
	}
}

// addJSONDocument imports a .json file: an OSV record, an array of them,
// a CVE JSON 5 record, an NVD CVE API 2.0 response or a KEV catalogue.
func (im *Importer) addJSONDocument(data []byte, name string) {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '[' {
		im.addJSONArray(t, name)
		return
	}
	if len(t) > 0 && t[0] == '{' && isCVE5(t) {
		im.addJSONRecord(t, name, 0)
		return
	}
	var probe struct {
		CatalogVersion  string          `json:"catalogVersion"`
		Format          string          `json:"format"`
		Vulnerabilities json.RawMessage `json:"vulnerabilities"`
		CVE             json.RawMessage `json:"cve"`
		ID              json.RawMessage `json:"id"`
	}
	err := json.Unmarshal(t, &probe)
	if err == nil && probe.ID == nil && (probe.Format == "NVD_CVE" || probe.CVE != nil ||
		probe.CatalogVersion == "" && bytes.Contains(probe.Vulnerabilities[:min(len(probe.Vulnerabilities), 64)], []byte(`"cve"`))) {
		im.addNVD(t, name)
		return
	}
	if err == nil && probe.ID == nil && probe.Vulnerabilities != nil {
		im.addKEVJSON(t, name)
		return
	}
	if probe.ID == nil && len(t) > 0 && t[0] == '{' {
		im.issue(Issue{File: name, Reason: "not an OSV record (no id), a CVE JSON 5 record (no cveMetadata), an NVD CVE API 2.0 response, a KEV catalogue or an array of records"})
		return
	}
	im.addJSONRecord(data, name, 0)
}

// addJSONArray imports a JSON array of OSV records, naming each element's
// line in issues.
func (im *Importer) addJSONArray(data []byte, name string) {
	defer func() { im.src = nil }()
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		im.issue(Issue{File: name, Line: lineAt(data, jsonOffset(err)), Reason: "invalid JSON: " + err.Error()})
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '['
		im.issue(Issue{File: name, Reason: "invalid JSON: " + err.Error()})
		return
	}
	line, pos := 1, int64(0)
	for dec.More() && im.tick(name) {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			im.issue(Issue{File: name, Line: line, Reason: "invalid JSON: " + err.Error()})
			return
		}
		end := dec.InputOffset()
		start := end - int64(len(raw))
		line += bytes.Count(data[pos:start], []byte{'\n'})
		pos = start
		im.addJSONRecord(raw, name, line)
	}
}

// jsonOffset returns the byte offset an encoding/json error names, or -1.
func jsonOffset(err error) int64 {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return se.Offset
	case errors.As(err, &te):
		return te.Offset
	}
	return -1
}

// lineAt returns the 1-based line of byte offset off in data (0 if unknown).
func lineAt(data []byte, off int64) int {
	if off < 0 || off > int64(len(data)) {
		return 0
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// addJSONRecord decodes, validates and adds one OSV or CVE JSON 5 record
// (told apart by content: a CVE record has cveMetadata). line is the
// record's line in a JSON lines file, or 0 for a whole-file record.
func (im *Importer) addJSONRecord(data []byte, name string, line int) {
	prev := im.src
	if prev == nil && line == 0 {
		defer func() { im.src = nil }()
	}
	// A line of a CVE record file that is no record at all (OpenSSL's
	// "disputed" list) counts towards that file's CVE source.
	if isCVE5(data) || prev != nil && prev.Kind == KindCVE5 && !bytes.Contains(data, []byte(`"modified"`)) {
		im.src = im.source(name, KindCVE5)
		im.addCVE(data, name, line)
		return
	}
	im.src = im.source(name, "osv")
	// A sentinel tells an absent "modified" from the zero time that some
	// sources (the Go vulnerability database) really write.
	r := Record{Modified: modifiedAbsent}
	if err := json.Unmarshal(data, &r); err != nil {
		at := line
		if at == 0 {
			at = lineAt(data, jsonOffset(err))
		}
		reason := "invalid OSV JSON: " + err.Error()
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			reason = fmt.Sprintf("/%s: expected %s, found JSON %s", strings.ReplaceAll(te.Field, ".", "/"), te.Type, te.Value)
		}
		im.issue(Issue{File: name, Line: at, ID: probeID(data), Reason: reason})
		return
	}
	if r.Modified.Equal(modifiedAbsent) && r.ID == "" {
		im.issue(Issue{File: name, Line: line, Reason: "neither an OSV record (no id, no modified) nor a CVE JSON 5 record (no cveMetadata)"})
		return
	}
	if r.Modified.Equal(modifiedAbsent) {
		im.issue(Issue{File: name, Line: line, ID: r.ID, Reason: "/modified: missing (required by the OSV schema)"})
		return
	}
	if err := Validate(&r); err != nil {
		im.issue(Issue{File: name, Line: line, ID: r.ID, Reason: err.Error()})
		return
	}
	im.AddRecord(&r)
	im.progress.Records++
	im.src.Records++
	if r.Modified.After(im.src.Newest) {
		im.src.Newest = r.Modified.UTC()
	}
}

// modifiedAbsent marks a record decoded without a "modified" field.
var modifiedAbsent = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)

// probeID returns the "id" of a JSON object that does not decode as a
// Record, so that the issue can still name it.
func probeID(data []byte) string {
	var p struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(data, &p) == nil {
		if s, ok := p.ID.(string); ok {
			return s
		}
	}
	return ""
}

// kevJSON is the CISA KEV catalogue.
type kevJSON struct {
	CatalogVersion  string    `json:"catalogVersion"`
	DateReleased    time.Time `json:"dateReleased"`
	Vulnerabilities []kevItem `json:"vulnerabilities"`
}

type kevItem struct {
	CVEID                      string `json:"cveID"`
	VendorProject              string `json:"vendorProject"`
	Product                    string `json:"product"`
	VulnerabilityName          string `json:"vulnerabilityName"`
	DateAdded                  string `json:"dateAdded"`
	KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse"`
}

func (im *Importer) addKEVJSON(data []byte, name string) {
	var cat kevJSON
	if err := json.Unmarshal(data, &cat); err != nil {
		im.issue(Issue{File: name, Line: lineAt(data, jsonOffset(err)), Reason: "invalid KEV catalogue: " + err.Error()})
		return
	}
	im.src = im.source(name, "kev")
	defer func() { im.src = nil }()
	newer := cat.CatalogVersion >= im.kevCat
	for i, v := range cat.Vulnerabilities {
		if !im.tick(name) {
			return
		}
		im.addKEVItem(v, name, fmt.Sprintf("/vulnerabilities/%d", i), 0, newer)
	}
	if newer {
		im.kevCat = cat.CatalogVersion
	}
	if cat.DateReleased.After(im.src.Newest) {
		im.src.Newest = cat.DateReleased.UTC()
	}
}

// addKEVItem adds one KEV entry; an older catalogue never overrides an
// entry a newer one gave.
func (im *Importer) addKEVItem(v kevItem, name, at string, line int, override bool) {
	e := KEVEntry{CVE: strings.ToUpper(strings.TrimSpace(v.CVEID)), VendorProject: v.VendorProject, Product: v.Product,
		Name: v.VulnerabilityName, KnownRansomware: strings.EqualFold(v.KnownRansomwareCampaignUse, "Known")}
	if v.DateAdded != "" {
		d, err := time.Parse(time.DateOnly, v.DateAdded)
		if err != nil {
			im.issue(Issue{File: name, Line: line, ID: e.CVE, Reason: at + "/dateAdded: not a YYYY-MM-DD date: " + v.DateAdded})
			return
		}
		e.DateAdded = d
	}
	k, ok := packCVE(e.CVE)
	if !ok {
		im.issue(Issue{File: name, Line: line, ID: e.CVE, Reason: at + "/cveID: not a CVE id"})
		return
	}
	if _, exists := im.kev[k]; exists && !override {
		return
	}
	im.kev[k] = e
	im.src.Records++
	if e.DateAdded.After(im.src.Newest) {
		im.src.Newest = e.DateAdded
	}
}

// addCSV imports the KEV catalogue's CSV form or an EPSS score file,
// recognised by their header rows. FIRST's own files start with a
// "#model_version:...,score_date:..." comment, which gives the score date.
func (im *Importer) addCSV(r io.Reader, name string) error {
	long := fmt.Errorf("%s: %w: a line is longer than %d bytes (no KEV or EPSS row is)", name, ErrLimit, maxCSVLine)
	br := bufio.NewReaderSize(&abortReader{im: im, r: &lineLimitReader{r: r, max: maxCSVLine, err: long}}, 1<<16)
	scoreDate := ""
	line := 0
	for {
		peek, err := br.Peek(1)
		if err != nil || peek[0] != '#' {
			break
		}
		comment, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// a comment longer than the buffer carries no score date
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			comment = nil
		}
		line++
		for _, f := range strings.Split(strings.TrimSpace(strings.TrimPrefix(string(comment), "#")), ",") {
			if v, ok := strings.CutPrefix(f, "score_date:"); ok {
				scoreDate = strings.TrimSpace(v)
			}
		}
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if im.abort != nil {
		return nil
	}
	if err != nil {
		im.issue(Issue{File: name, Line: line + 1, Reason: "unreadable CSV header: " + err.Error()})
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	_, isKEV := col["cveid"]
	cveCol, hasCVE := col["cve"]
	epssCol, hasEPSS := col["epss"]
	pctCol, hasPct := col["percentile"]
	if !hasPct {
		pctCol, hasPct = col["epss percentile"]
	}
	switch {
	case isKEV:
		return im.addKEVCSV(cr, col, name, line+1)
	case hasCVE && hasEPSS && hasPct:
		im.src = im.source(name, "epss")
		defer func() { im.src = nil }()
		if scoreDate != "" && scoreDate > im.epssDay {
			im.epssDay = scoreDate
		}
		return im.addEPSSRows(cr, name, line+1, cveCol, epssCol, pctCol)
	}
	im.issue(Issue{File: name, Line: line + 1, Reason: "CSV is neither the KEV catalogue (cveID column) nor EPSS scores (cve, epss, percentile columns)"})
	return nil
}

func (im *Importer) addEPSSRows(cr *csv.Reader, name string, headerLine, cveCol, epssCol, pctCol int) error {
	need := max(cveCol, epssCol, pctCol)
	for {
		rec, err := cr.Read()
		if err == io.EOF || !im.tick(name) {
			return nil
		}
		line, ok := csvRowLine(cr, rec, err)
		if !ok {
			return im.csvReadError(name, err)
		}
		if err != nil {
			im.issue(Issue{File: name, Line: line + headerLine - 1, Reason: "bad CSV row: " + err.Error()})
			continue
		}
		if len(rec) <= need {
			im.issue(Issue{File: name, Line: line + headerLine - 1, Reason: fmt.Sprintf("row has %d columns, need %d", len(rec), need+1)})
			continue
		}
		score, err1 := strconv.ParseFloat(strings.TrimSpace(rec[epssCol]), 64)
		pct, err2 := strconv.ParseFloat(strings.TrimSpace(rec[pctCol]), 64)
		cve := strings.TrimSpace(rec[cveCol])
		if err1 != nil || err2 != nil || score < 0 || score > 1 || pct < 0 || pct > 1 {
			im.issue(Issue{File: name, Line: line + headerLine - 1, ID: cve, Reason: "EPSS score and percentile must be numbers between 0 and 1"})
			continue
		}
		if !im.AddEPSS(cve, EPSSScore{Score: score, Percentile: pct}) {
			im.issue(Issue{File: name, Line: line + headerLine - 1, ID: cve, Reason: "not a CVE id"})
			continue
		}
		im.src.Records++
	}
}

func (im *Importer) addKEVCSV(cr *csv.Reader, col map[string]int, name string, headerLine int) error {
	im.src = im.source(name, "kev")
	defer func() { im.src = nil }()
	get := func(rec []string, k string) string {
		if i, ok := col[strings.ToLower(k)]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF || !im.tick(name) {
			return nil
		}
		line, ok := csvRowLine(cr, rec, err)
		if !ok {
			return im.csvReadError(name, err)
		}
		line += headerLine - 1
		if err != nil {
			im.issue(Issue{File: name, Line: line, Reason: "bad CSV row: " + err.Error()})
			continue
		}
		im.addKEVItem(kevItem{CVEID: get(rec, "cveID"), VendorProject: get(rec, "vendorProject"), Product: get(rec, "product"),
			VulnerabilityName: get(rec, "vulnerabilityName"), DateAdded: get(rec, "dateAdded"),
			KnownRansomwareCampaignUse: get(rec, "knownRansomwareCampaignUse")}, name, "", line, false)
	}
}

// csvRowLine returns the line (counted from the CSV header) at which the
// row just read starts. A row that failed to parse has no field positions
// (asking csv.Reader.FieldPos for them panics): its line comes from the
// csv.ParseError. ok is false for a read error that is not a parse error,
// after which the reader cannot go on.
func csvRowLine(cr *csv.Reader, rec []string, err error) (line int, ok bool) {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return pe.StartLine, true
	case err != nil:
		return 0, false
	case len(rec) > 0:
		line, _ = cr.FieldPos(0)
		return line, true
	}
	return 0, true
}

// csvReadError turns a read error in the middle of a CSV file into an
// Issue, or nothing when a limit stopped the import.
func (im *Importer) csvReadError(name string, err error) error {
	if im.abort == nil {
		im.issue(Issue{File: name, Reason: "unreadable CSV: " + err.Error()})
	}
	return nil
}

// skipNewlines consumes a run of newline bytes at the reader's position
// and returns how many it consumed, so that blank lines cost a byte scan
// and not a call each (a gzip of nothing but newlines inflates at over
// 1000:1).
func skipNewlines(br *bufio.Reader) int {
	n := 0
	for {
		if _, err := br.Peek(1); err != nil {
			return n
		}
		buf, _ := br.Peek(br.Buffered())
		k := 0
		for k < len(buf) && buf[k] == '\n' {
			k++
		}
		_, _ = br.Discard(k)
		n += k
		if k < len(buf) {
			return n
		}
	}
}
