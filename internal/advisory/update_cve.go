package advisory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// DefaultNVDURL is the NVD CVE API 2.0 endpoint (the URL stem the NVD's
// developer pages give). `db update` pages it only when asked (--nvd).
const DefaultNVDURL = "https://services.nvd.nist.gov/rest/json/cves/2.0"

// NVD paging limits, from the NVD's API documentation: at most 2,000
// results a page, and a lastModStartDate/lastModEndDate window of at most
// 120 days.
const (
	nvdPageSize  = 2000
	nvdMaxWindow = 120 * 24 * time.Hour
	nvdDir       = "nvd"
)

// nvdPage is the paging part of an NVD CVE API 2.0 response.
type nvdPage struct {
	ResultsPerPage int `json:"resultsPerPage"`
	StartIndex     int `json:"startIndex"`
	TotalResults   int `json:"totalResults"`
}

// syncNVD pages the NVD CVE API into dir/sources/nvd: everything the first
// time (full-*.json), afterwards only what changed since the last sync
// (lastModStartDate/lastModEndDate, delta-<unix time>-*.json), and
// everything again when the last sync is older than the API's 120-day
// window. A sync that fails part-way leaves no pages behind and keeps the
// previous state. It returns the new state, whether new data arrived, and
// an error.
func syncNVD(ctx context.Context, opts UpdateOptions, src string, st *fetchState) (*fetchState, bool, error) {
	dir := filepath.Join(src, nvdDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, false, err
	}
	now := opts.now().UTC().Truncate(time.Second)
	var since time.Time
	if st != nil {
		since, _ = time.Parse(time.RFC3339, st.LastModified)
	}
	full := since.IsZero() || now.Sub(since) > nvdMaxWindow
	prefix := "full-"
	if !full {
		prefix = fmt.Sprintf("delta-%d-", now.Unix())
	}
	var written []string
	cleanup := func() {
		for _, p := range written {
			os.Remove(p)
		}
	}
	received := 0
	for start, page := 0, 0; ; page++ {
		q := url.Values{}
		q.Set("startIndex", fmt.Sprint(start))
		q.Set("resultsPerPage", fmt.Sprint(nvdPageSize))
		if !full {
			q.Set("lastModStartDate", since.Format("2006-01-02T15:04:05.000")+"+00:00")
			q.Set("lastModEndDate", now.Format("2006-01-02T15:04:05.000")+"+00:00")
		}
		u := opts.NVDURL + "?" + q.Encode()
		if page > 0 && opts.NVDDelay > 0 {
			select {
			case <-ctx.Done():
				cleanup()
				return st, false, ctx.Err()
			case <-time.After(opts.NVDDelay):
			}
		}
		dest := filepath.Join(dir, fmt.Sprintf("%s%06d.json", prefix, page))
		if _, _, err := fetch(ctx, opts, u, dest, nil); err != nil {
			cleanup()
			return st, false, fmt.Errorf("page %d: %w", page, err)
		}
		written = append(written, dest)
		data, err := os.ReadFile(dest)
		if err != nil {
			cleanup()
			return st, false, err
		}
		var p nvdPage
		if err := json.Unmarshal(data, &p); err != nil {
			cleanup()
			return st, false, fmt.Errorf("page %d is not an NVD CVE API 2.0 response: %v", page, err)
		}
		got := p.ResultsPerPage
		received += got
		start += got
		if got <= 0 || start >= p.TotalResults {
			break
		}
	}
	if received == 0 && !full {
		cleanup() // nothing changed since the last sync
		return &fetchState{File: nvdDir, LastModified: now.Format(time.RFC3339), Fetched: now}, false, nil
	}
	if full { // the new full copy replaces every older page
		old, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		keep := map[string]bool{}
		for _, p := range written {
			keep[p] = true
		}
		for _, p := range old {
			if !keep[p] {
				os.Remove(p)
			}
		}
	}
	return &fetchState{File: nvdDir, LastModified: now.Format(time.RFC3339), Fetched: now}, true, nil
}

func (o UpdateOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}
