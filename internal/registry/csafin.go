package registry

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/dualmark/dualmark/internal/monitor"
)

// CSAF advisories in (issue 14 item 5): the operator imports CSAF documents
// — a file, zip archive or JSON lines in the request body, or a ROLIE feed
// URL the server fetches — and the registry matches their product trees
// against every registered device itself (monitor/devices.go); hits are
// findings in the same history, so webhooks, the crisis query and Art. 14
// cases follow.

// ImportCSAF imports CSAF documents (files, folders, zip archives, JSON
// lines, ROLIE feed URLs) and re-matches the devices they touch: the
// server's import path, for the API and for an import at start.
func (s *Server) ImportCSAF(ctx context.Context, sources ...string) (*monitor.CSAFImport, error) {
	mon, db := s.Monitor()
	if mon == nil {
		return nil, errors.New("this store keeps no findings")
	}
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if _, err := mon.Backfill(ctx, db); err != nil {
		return nil, err
	}
	res, err := mon.ImportCSAF(ctx, db, monitor.CSAFOptions{Schemas: csafSchemas, MaxWarnings: maxImportWarnings}, sources...)
	if res != nil && res.Rematch != nil {
		s.changed(res.Rematch)
	}
	return res, err
}

// apiImportCSAF imports the CSAF documents of the request body (named by
// ?name=, whose extension says how to read it: .json, .json.gz, .zip,
// .jsonl, .jsonl.gz) or of the ROLIE feed at ?feed=URL.
func (s *Server) apiImportCSAF(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.operator(w, r); !ok {
		return
	}
	if feed := r.URL.Query().Get("feed"); feed != "" {
		if !strings.HasPrefix(feed, "https://") && !strings.HasPrefix(feed, "http://") {
			badRequest(w, r, "feed", "feed %q: an http(s) URL of a ROLIE feed", feed)
			return
		}
		s.answerCSAF(w, r, feed)
		return
	}
	path, done, ok := s.spoolUpload(w, r, "csaf-", "name the file (?name=advisory.json, advisories.jsonl.gz, csaf.zip) or give ?feed=URL of a ROLIE feed")
	if !ok {
		return
	}
	defer done()
	s.answerCSAF(w, r, path)
}

// CSAFImportAnswer is the answer to a CSAF import: what the import did,
// with the CSAF 2.0 optional tests (6.2) every stored document fails as
// warnings (document, test id, pointer; at most maxImportWarnings listed,
// all counted), whatever the source (a JSON document, JSON lines, a zip, a
// ROLIE feed).
type CSAFImportAnswer struct {
	*monitor.CSAFImport
}

// maxImportWarnings bounds the warnings an import answer lists (a Red Hat
// document can name thousands of products without a helper).
const maxImportWarnings = 10000

func (s *Server) answerCSAF(w http.ResponseWriter, r *http.Request, src string) {
	res, err := s.ImportCSAF(r.Context(), src)
	if err != nil {
		if res != nil && res.Rematch == nil {
			badRequest(w, r, "body", "%v", err)
			return
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CSAFImportAnswer{CSAFImport: res})
}
