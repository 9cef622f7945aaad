package advisory

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Default public sources of `dualmark db update`.
const (
	DefaultOSVURL  = "https://osv-vulnerabilities.storage.googleapis.com"
	DefaultKEVURL  = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	DefaultEPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
)

// DefaultEcosystems are the OSV ecosystems an update downloads unless told
// otherwise: the language ecosystems dualmark matches, the C/C++ and
// native-component feeds that matter for firmware, and the distributions.
var DefaultEcosystems = []string{
	"Go", "npm", "PyPI", "Maven", "NuGet", "crates.io", "RubyGems", "Packagist", "Hackage", "CRAN",
	"Pub", "Hex", "SwiftURL", "OSS-Fuzz", "Bitnami", "AlmaLinux", "Alpine", "Debian", "Ubuntu",
}

// UpdateOptions configure an update. Zero values select the public sources
// and sane retry settings.
type UpdateOptions struct {
	OSVURL     string   // base of <Ecosystem>/all.zip
	Ecosystems []string // OSV ecosystems to fetch
	KEVURL     string
	EPSSURL    string
	Client     *http.Client
	// CVEListURL, when set, is a zip of CVE JSON 5 records to download and
	// import, such as a cvelistV5 release's bulk "all_CVEs_at_midnight"
	// zip (which nests cves.zip; both levels are read).
	CVEListURL string
	// NVDURL, when set, is the NVD CVE API 2.0 endpoint to page
	// (DefaultNVDURL): all records the first time, then the changes since
	// the last update.
	NVDURL    string
	NVDAPIKey string        // sent as the apiKey header to the NVD, when set
	NVDDelay  time.Duration // pause between NVD pages (the NVD asks 6 s without a key)
	// Now, when set, replaces the clock (tests).
	Now        func() time.Time
	Retries    int           // extra attempts after a failed download (0: the default 3; negative: none)
	RetryDelay time.Duration // first back-off, doubled per attempt (default 1 s)
	// OnProgress, when set, receives download progress.
	OnProgress func(DownloadProgress)
}

// SourceURLs sets every source to a mirror with the layout
// <base>/osv/<Ecosystem>/all.zip, <base>/kev/known_exploited_vulnerabilities.json
// and <base>/epss/epss_scores-current.csv.gz.
func (o *UpdateOptions) SourceURLs(base string) {
	base = strings.TrimRight(base, "/")
	o.OSVURL = base + "/osv"
	o.KEVURL = base + "/kev/known_exploited_vulnerabilities.json"
	o.EPSSURL = base + "/epss/epss_scores-current.csv.gz"
}

// DownloadProgress reports one download.
type DownloadProgress struct {
	URL    string
	Bytes  int64  // received so far
	Total  int64  // expected size, -1 when unknown
	Status string // "downloading", "downloaded", "not modified", "retrying: …" or "failed: …"
}

// UpdateResult summarises an update.
type UpdateResult struct {
	Downloaded  []string   `json:"downloaded"`
	NotModified []string   `json:"notModified"`
	Failed      []string   `json:"failed"` // "URL: reason"
	Rebuilt     bool       `json:"rebuilt"`
	Provenance  Provenance `json:"provenance"`
	Issues      []Issue    `json:"issues"`
	// Warnings are the parts of kept records that answer nothing
	// (Importer.Warnings).
	Warnings []Issue `json:"warnings"`
}

// feedJob is one feed to download: its URL and its file in dir/sources
// (for the NVD, the directory of its pages).
type feedJob struct {
	url, file string
	nvd       bool
}

// fetchState is what an update remembers about a downloaded file, for
// conditional requests and provenance.
type fetchState struct {
	File         string    `json:"file"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	SHA256       string    `json:"sha256"`
	Fetched      time.Time `json:"fetched"`
}

// sourcesDir is where an update keeps the downloaded feeds, inside the
// database directory; stateFile records their ETags and digests.
const (
	sourcesDir = "sources"
	stateFile  = "state.json"
)

// Update downloads the OSV per-ecosystem all.zip files, the KEV catalogue
// and the EPSS scores into dir/sources, using conditional requests so that
// unchanged feeds are not downloaded again, retrying failed or corrupt
// downloads and checking them against the server's checksums (Content-Length,
// x-goog-hash md5/crc32c, Content-Digest sha-256) and their own structure.
// When anything changed, or there is no database yet, it rebuilds the
// database from all downloaded feeds and replaces it atomically. A feed that
// fails is reported in the result and its previous copy, if any, is used.
func Update(ctx context.Context, dir string, opts UpdateOptions) (*UpdateResult, error) {
	if opts.OSVURL == "" {
		opts.OSVURL = DefaultOSVURL
	}
	if opts.KEVURL == "" {
		opts.KEVURL = DefaultKEVURL
	}
	if opts.EPSSURL == "" {
		opts.EPSSURL = DefaultEPSSURL
	}
	if len(opts.Ecosystems) == 0 {
		opts.Ecosystems = DefaultEcosystems
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Minute}
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = 3
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.RetryDelay == 0 {
		opts.RetryDelay = time.Second
	}
	src := filepath.Join(dir, sourcesDir)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", src, err)
	}
	state := map[string]*fetchState{}
	statePath := filepath.Join(src, stateFile)
	if data, err := os.ReadFile(statePath); err == nil {
		if json.Unmarshal(data, &state) != nil {
			state = map[string]*fetchState{} // unreadable state: fetch everything again
		}
	}
	var jobs []feedJob
	for _, eco := range opts.Ecosystems {
		jobs = append(jobs, feedJob{url: strings.TrimRight(opts.OSVURL, "/") + "/" + pathEscape(eco) + "/all.zip", file: "osv-" + safeName(eco) + "-all.zip"})
	}
	jobs = append(jobs, feedJob{url: opts.KEVURL, file: "kev-" + safeName(lastElem(opts.KEVURL, "known_exploited_vulnerabilities.json"))},
		feedJob{url: opts.EPSSURL, file: "epss-" + safeName(lastElem(opts.EPSSURL, "epss_scores.csv.gz"))})
	if opts.CVEListURL != "" {
		jobs = append(jobs, feedJob{url: opts.CVEListURL, file: "cve5-" + safeName(lastElem(opts.CVEListURL, "cves.zip"))})
	}
	if opts.NVDURL != "" {
		jobs = append(jobs, feedJob{url: opts.NVDURL, file: nvdDir, nvd: true})
	}

	res := &UpdateResult{}
	for _, j := range jobs {
		st := state[j.url]
		if j.nvd {
			ns, changed, err := syncNVD(ctx, opts, src, st)
			switch {
			case err != nil:
				res.Failed = append(res.Failed, j.url+": "+err.Error())
			case changed:
				res.Downloaded = append(res.Downloaded, j.url)
			default:
				res.NotModified = append(res.NotModified, j.url)
			}
			if err == nil {
				state[j.url] = ns
			}
			continue
		}
		changed, newState, err := fetch(ctx, opts, j.url, filepath.Join(src, j.file), st)
		switch {
		case err != nil:
			res.Failed = append(res.Failed, j.url+": "+err.Error())
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		case changed:
			res.Downloaded = append(res.Downloaded, j.url)
			state[j.url] = newState
		default:
			res.NotModified = append(res.NotModified, j.url)
		}
	}
	if data, err := json.MarshalIndent(state, "", "  "); err == nil {
		if err := writeFileAtomic(statePath, data); err != nil {
			return res, err
		}
	}
	if len(res.Downloaded) == 0 {
		if db, err := OpenDB(dir); err == nil {
			prov := db.Status()
			db.Close()
			if sameFeeds(prov, jobURLs(jobs, state)) {
				res.Provenance = prov
				return res, nil // up to date
			}
		}
	}
	// Rebuild from the feeds asked for this time (a feed dropped from the
	// list leaves the database), each the new copy or the previous one.
	im := NewImporter()
	byFile := map[string]string{}
	for _, j := range jobs {
		st := state[j.url]
		if st == nil {
			continue
		}
		p := filepath.Join(src, st.File)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		byFile[p] = j.url
		if err := im.Add(p); err != nil {
			return res, err
		}
	}
	if len(byFile) == 0 {
		return res, fmt.Errorf("no feed could be downloaded (%s); the database in %s was left unchanged", strings.Join(res.Failed, "; "), dir)
	}
	for i := range im.sources {
		s := &im.sources[i]
		if url, ok := byFile[s.Location]; ok {
			st := state[url]
			s.Location, s.SHA256, s.ETag = url, st.SHA256, st.ETag
		}
	}
	prov, err := im.Write(dir)
	if err != nil {
		return res, err
	}
	res.Rebuilt, res.Provenance, res.Issues, res.Warnings = true, prov, im.Issues, im.Warnings
	return res, nil
}

// jobURLs returns the URLs of the feeds asked for that have a downloaded
// copy.
func jobURLs(jobs []feedJob, state map[string]*fetchState) map[string]bool {
	out := map[string]bool{}
	for _, j := range jobs {
		if state[j.url] != nil {
			out[j.url] = true
		}
	}
	return out
}

// sameFeeds reports whether a database was built from exactly these feeds.
func sameFeeds(p Provenance, urls map[string]bool) bool {
	seen := map[string]bool{}
	for _, s := range p.Sources {
		if !urls[s.Location] {
			return false
		}
		seen[s.Location] = true
	}
	return len(seen) == len(urls)
}

// errRetry marks a failure worth another attempt.
type errRetry struct{ error }

// fetch downloads url to dest unless the server says it has not changed
// since st. It returns whether dest was replaced and the new state.
func fetch(ctx context.Context, opts UpdateOptions, url, dest string, st *fetchState) (bool, *fetchState, error) {
	var lastErr error
	delay := opts.RetryDelay
	for attempt := 0; attempt <= opts.Retries; attempt++ {
		if attempt > 0 {
			report(opts, DownloadProgress{URL: url, Total: -1, Status: "retrying: " + lastErr.Error()})
			select {
			case <-ctx.Done():
				return false, nil, ctx.Err()
			case <-time.After(delay):
			}
			delay *= 2
		}
		changed, ns, err := fetchOnce(ctx, opts, url, dest, st)
		if err == nil {
			status := "not modified"
			if changed {
				status = "downloaded"
			}
			report(opts, DownloadProgress{URL: url, Total: -1, Status: status})
			return changed, ns, nil
		}
		lastErr = err
		var r errRetry
		if !errors.As(err, &r) || ctx.Err() != nil {
			break
		}
	}
	report(opts, DownloadProgress{URL: url, Total: -1, Status: "failed: " + lastErr.Error()})
	return false, nil, lastErr
}

func report(opts UpdateOptions, p DownloadProgress) {
	if opts.OnProgress != nil {
		opts.OnProgress(p)
	}
}

func fetchOnce(ctx context.Context, opts UpdateOptions, url, dest string, st *fetchState) (bool, *fetchState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, nil, err
	}
	req.Header.Set("User-Agent", "dualmark-db-update")
	if opts.NVDAPIKey != "" && opts.NVDURL != "" && strings.HasPrefix(url, opts.NVDURL) {
		req.Header.Set("apiKey", opts.NVDAPIKey)
	}
	if st != nil {
		if _, err := os.Stat(dest); err == nil {
			if st.ETag != "" {
				req.Header.Set("If-None-Match", st.ETag)
			}
			if st.LastModified != "" {
				req.Header.Set("If-Modified-Since", st.LastModified)
			}
		}
	}
	resp, err := opts.Client.Do(req)
	if err != nil {
		return false, nil, errRetry{err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return false, st, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return false, nil, errRetry{fmt.Errorf("HTTP %s", resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return false, nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.part")
	if err != nil {
		return false, nil, err
	}
	defer os.Remove(tmp.Name())
	sha, md, crc := sha256.New(), md5.New(), crc32.New(castagnoli)
	pw := &progressWriter{opts: opts, url: url, total: resp.ContentLength}
	n, err := io.Copy(io.MultiWriter(tmp, sha, md, crc, pw), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, nil, errRetry{fmt.Errorf("download interrupted after %d bytes: %w", n, err)}
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return false, nil, errRetry{fmt.Errorf("received %d bytes, Content-Length says %d", n, resp.ContentLength)}
	}
	if err := checkDigests(resp.Header, sha, md, crc); err != nil {
		return false, nil, errRetry{err}
	}
	if err := checkStructure(tmp.Name(), dest); err != nil {
		return false, nil, errRetry{err}
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return false, nil, err
	}
	return true, &fetchState{File: filepath.Base(dest), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
		SHA256: hex.EncodeToString(sha.Sum(nil)), Fetched: time.Now().UTC().Truncate(time.Second)}, nil
}

// checkDigests compares the body with the checksums the server sent:
// Google Cloud Storage's x-goog-hash (crc32c, md5) and RFC 9530
// Content-Digest / Repr-Digest sha-256.
func checkDigests(h http.Header, sha, md, crc hash.Hash) error {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			alg, want, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			var got []byte
			switch alg {
			case "md5":
				got = md.Sum(nil)
			case "crc32c":
				got = binary.BigEndian.AppendUint32(nil, crc.(hash.Hash32).Sum32())
			default:
				continue
			}
			if base64.StdEncoding.EncodeToString(got) != want {
				return fmt.Errorf("%s checksum mismatch (x-goog-hash)", alg)
			}
		}
	}
	for _, name := range []string{"Content-Digest", "Repr-Digest"} {
		for _, v := range h.Values(name) {
			for _, part := range strings.Split(v, ",") {
				alg, want, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok || alg != "sha-256" {
					continue
				}
				if ":"+base64.StdEncoding.EncodeToString(sha.Sum(nil))+":" != want {
					return fmt.Errorf("sha-256 checksum mismatch (%s)", name)
				}
			}
		}
	}
	return nil
}

// checkStructure checks that a downloaded file is complete in its own
// terms: a zip's central directory reads, a gzip stream's CRC matches, JSON
// parses.
func checkStructure(path, name string) error {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return fmt.Errorf("not a complete zip archive: %w", err)
		}
		return zr.Close()
	case strings.HasSuffix(lower, ".gz"):
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("not gzip data: %w", err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return fmt.Errorf("gzip stream damaged: %w", err)
		}
	case strings.HasSuffix(lower, ".json"):
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !json.Valid(data) {
			return errors.New("not complete JSON")
		}
	}
	return nil
}

type progressWriter struct {
	opts  UpdateOptions
	url   string
	total int64
	n     int64
	last  time.Time
}

// Write counts the bytes and reports progress at most ten times a second.
func (p *progressWriter) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if time.Since(p.last) > 100*time.Millisecond {
		p.last = time.Now()
		report(p.opts, DownloadProgress{URL: p.url, Bytes: p.n, Total: p.total, Status: "downloading"})
	}
	return len(b), nil
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// safeName turns an ecosystem or URL element into a file name.
func safeName(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// pathEscape escapes an ecosystem name for a URL path ("Rocky Linux" →
// "Rocky%20Linux"); ':' stays, as the OSV bucket uses it.
func pathEscape(s string) string { return strings.ReplaceAll(s, " ", "%20") }

// lastElem returns the last path element of a URL, or def.
func lastElem(url, def string) string {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	if i := strings.LastIndexByte(url, '/'); i >= 0 && i+1 < len(url) {
		return url[i+1:]
	}
	return def
}
