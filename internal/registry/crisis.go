package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// watch is the server's monitoring state (issue 13): the advisory database
// it matches against, the monitor, and one re-match at a time.
type watch struct {
	once sync.Once
	mon  *monitor.Monitor
	db   atomic.Pointer[advisory.DB]
	// prev is the database before the current one, closed at the next swap
	// (a request still reading it has had a whole update period to finish)
	prev *advisory.DB
	// mu serialises re-matches, imports and upload indexing.
	mu        sync.Mutex
	onChanges func(*monitor.Result)
}

// Monitor returns the server's monitor (nil when its store is not the SQL
// store) and the advisory database it matches against (nil without one).
func (s *Server) Monitor() (*monitor.Monitor, *advisory.DB) {
	s.watch.once.Do(func() {
		if db, ok := s.store.(*store.DB); ok {
			s.watch.mon = monitor.New(db)
		}
		if s.cfg.AdvisoryDB != "" {
			if db, err := advisory.OpenDB(s.cfg.AdvisoryDB); err == nil {
				s.watch.db.Store(db)
			} else {
				s.log.Warn("advisory database for monitoring", "error", err)
			}
		}
	})
	return s.watch.mon, s.watch.db.Load()
}

// OnChanges sets the function every committed re-match is passed to: the
// hook point for notifications (Result.Changes are the findings changes
// of one transaction).
func (s *Server) OnChanges(fn func(*monitor.Result)) { s.watch.onChanges = fn }

// reloadDB opens the advisory database folder again (a database update
// replaces its file) and makes it the current one.
func (s *Server) reloadDB() (*advisory.DB, error) {
	if s.cfg.AdvisoryDB == "" {
		return nil, monitor.ErrNoDatabase
	}
	db, err := advisory.OpenDB(s.cfg.AdvisoryDB)
	if err != nil {
		return nil, err
	}
	// the previous database stays open until the next swap: requests in
	// flight may still read its records (valid only while it is open)
	if s.watch.prev != nil {
		s.watch.prev.Close()
	}
	s.watch.prev = s.watch.db.Swap(db)
	return db, nil
}

// Rematch re-reads the advisory database and brings the findings up to date
// with it: by delta, or fully with all.
func (s *Server) Rematch(ctx context.Context, all bool) (*monitor.Result, error) {
	mon, _ := s.Monitor()
	if mon == nil {
		return nil, errors.New("this store keeps no findings")
	}
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	db, err := s.reloadDB()
	if err != nil {
		return nil, err
	}
	if _, err := mon.Backfill(ctx, db); err != nil {
		return nil, err
	}
	res, err := mon.Rematch(ctx, db, all)
	if err != nil {
		return nil, err
	}
	s.changed(res)
	return res, nil
}

func (s *Server) changed(res *monitor.Result) {
	s.log.Info("re-match", "job", res.JobID, "kind", res.Kind, "records", res.Records, "pairs", res.Pairs, "changes", len(res.Changes), "elapsed", res.Elapsed)
	s.queueReassess(res.JobID, changedVersions(res.Changes, res.Verdicts))
	s.csafAfterRematch(res) // published CSAF VEX documents follow the findings (csafprov.go)
	if fn := s.watch.onChanges; fn != nil && len(res.Changes) > 0 {
		fn(res)
	}
}

// StartMonitor resumes re-match jobs a crash left running, indexes the
// versions the reverse index lacks, runs the first full re-match when none
// ran yet, and, with every > 0, runs update (the
// configured database update; nil for none) and a delta re-match on that
// schedule until ctx ends.
func (s *Server) StartMonitor(ctx context.Context, every time.Duration, update func(context.Context) error) error {
	mon, db := s.Monitor()
	if mon == nil || db == nil {
		return nil
	}
	s.watch.mu.Lock()
	_, err := mon.Resume(ctx, db)
	if err == nil {
		_, err = mon.Backfill(ctx, db)
	}
	if err == nil {
		var res *monitor.Result
		if res, err = mon.Baseline(ctx, db); res != nil {
			s.changed(res)
		}
	}
	s.watch.mu.Unlock()
	if err != nil {
		return err
	}
	if every <= 0 {
		return nil
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if update != nil {
				if err := update(ctx); err != nil {
					s.log.Warn("advisory database update", "error", err)
					continue
				}
			}
			if _, err := s.Rematch(ctx, false); err != nil {
				s.log.Warn("re-match", "error", err)
			}
		}
	}()
	return nil
}

// indexUpload puts a newly stored version into the reverse index and
// matches it; a failure is logged (the next backfill indexes it), never
// fails the upload.
func (s *Server) indexUpload(ctx context.Context, v *store.Version) {
	mon, db := s.Monitor()
	if mon == nil {
		return
	}
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if err := mon.IndexVersion(ctx, v, db); err != nil {
		s.log.Warn("indexing an upload", "version", v.ID, "error", err)
		return
	}
	if db == nil {
		return
	}
	res, err := mon.MatchVersion(ctx, db, v.ID)
	if err != nil {
		s.log.Warn("matching an upload", "version", v.ID, "error", err)
		return
	}
	s.changed(res)
}

// vulnID is what a vulnerability id in a path may look like (CVE, GHSA,
// OSV ecosystem ids, EUVD).
var vulnID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._:-]{2,79}$`)

// affected answers the crisis query for the request's {id}: authorities and
// the operator see every organisation, others their own; it answers the
// problem itself and returns nil then.
func (s *Server) affected(w http.ResponseWriter, r *http.Request, withResolved bool) *monitor.Affected {
	a, _ := s.affectedAnswer(w, r, withResolved, false)
	return a
}

// affectedAnswer is affected, with the answer's API encoding when asked
// for (the monitor keeps it with the cached answer).
func (s *Server) affectedAnswer(w http.ResponseWriter, r *http.Request, withResolved, encoded bool) (*monitor.Affected, []byte) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return nil, nil
	}
	id := r.PathValue("id")
	if !vulnID.MatchString(id) {
		badRequest(w, r, "id", "%q is not a vulnerability id (CVE-…, GHSA-…, an OSV id or EUVD-…)", id)
		return nil, nil
	}
	mon, db := s.Monitor()
	if mon == nil {
		s.fail(w, r, errors.New("this store keeps no findings"))
		return nil, nil
	}
	var a *monitor.Affected
	var body []byte
	var err error
	if encoded {
		body, a, err = mon.AffectedJSON(r.Context(), db, id, p.readOrg(), withResolved)
	} else {
		a, err = mon.Affected(r.Context(), db, id, p.readOrg(), withResolved)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, nil
	}
	if len(a.Versions) > 0 {
		return a, body
	}
	// Nothing in the caller's view: an organisation that sees only its own
	// products gets a 404, as for another organisation's IDs; authorities
	// and the operator get the empty list for a vulnerability the database
	// knows, and a 404 for one it does not.
	known := false
	if db != nil {
		recs, _ := db.LookupIDBrief(id)
		known = len(recs) > 0
	}
	if p.readOrg() != "" || !known {
		detail := fmt.Sprintf("none of this organisation's product versions is affected by %s", id)
		if !known {
			detail = fmt.Sprintf("no registered product version has a finding of %s, and the advisory database knows no such id", id)
		}
		problem(w, r, Problem{Type: ProblemType + "not-found", Status: http.StatusNotFound, Field: "id", Detail: detail})
		return nil, nil
	}
	return a, body
}

func (s *Server) apiAffected(w http.ResponseWriter, r *http.Request) {
	a, body := s.affectedAnswer(w, r, r.URL.Query().Get("resolved") == "true", true)
	if a == nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Server) apiSituation(w http.ResponseWriter, r *http.Request) {
	format, ok := situationFormat(w, r)
	if !ok {
		return
	}
	a := s.affected(w, r, true)
	if a == nil {
		return
	}
	writeSituation(w, monitor.BuildSituation(a, time.Now()), format, "situation-"+strings.ToUpper(a.Query)+".csv")
}

// situationFormat is the request's report format (html by default); false
// when it answered the problem.
func situationFormat(w http.ResponseWriter, r *http.Request) (string, bool) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = monitor.FormatHTML
	}
	if format != monitor.FormatHTML && format != monitor.FormatCSV && format != monitor.FormatJSON {
		badRequest(w, r, "format", "format %q: one of html, csv, json", format)
		return "", false
	}
	return format, true
}

// writeSituation writes a situation report in format, a CSV one as the
// download csvName.
func writeSituation(w http.ResponseWriter, sit *monitor.Situation, format, csvName string) {
	switch format {
	case monitor.FormatHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	case monitor.FormatCSV:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, csvName))
	default:
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = monitor.WriteSituation(w, sit, format)
}

// apiQuerySituation answers the situation report of a query over the open
// findings (issue 13 item 4: GET /api/v1/situation?kev=true&class=annex-iii):
// authorities and the operator over every organisation, others over their
// own; without a token, nothing.
func (s *Server) apiQuerySituation(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	format, ok := situationFormat(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	params.Del("format")
	q, err := monitor.ParseSituationQuery(params)
	var qe *monitor.QueryError
	if errors.As(err, &qe) {
		badRequest(w, r, qe.Field, "%s", qe.Detail)
		return
	}
	mon, db := s.Monitor()
	if mon == nil {
		s.fail(w, r, errors.New("this store keeps no findings"))
		return
	}
	a, err := mon.Query(r.Context(), db, q, p.readOrg())
	switch {
	case errors.As(err, &qe):
		problem(w, r, Problem{Type: ProblemType + "conflict", Status: http.StatusConflict, Field: qe.Field, Detail: qe.Detail})
		return
	case errors.Is(err, monitor.ErrTooBroad):
		badRequest(w, r, "query", "%v", err)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	writeSituation(w, monitor.BuildSituation(a, time.Now()), format, "situation-query.csv")
}

// ImportResult is the answer to an advisory import.
type ImportResult struct {
	Provenance advisory.Provenance `json:"provenance"`
	Issues     []advisory.Issue    `json:"issues"`
	Rematch    *monitor.Result     `json:"rematch"`
}

// apiImportAdvisories imports one advisory file (the request body, named by
// ?name=) into the server's database and re-matches: the operator's way to
// push a new KEV catalogue or CVE record.
func (s *Server) apiImportAdvisories(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.operator(w, r); !ok {
		return
	}
	if s.cfg.AdvisoryDB == "" {
		problem(w, r, Problem{Type: ProblemType + "conflict", Status: http.StatusConflict, Detail: "the server has no advisory database to import into"})
		return
	}
	path, done, ok := s.spoolUpload(w, r, "import-", "name the file (?name=records.json, kev.json, epss.csv, …): its extension says how to read it")
	if !ok {
		return
	}
	defer done()
	s.watch.mu.Lock()
	prov, issues, err := monitor.ImportInto(s.cfg.AdvisoryDB, path)
	s.watch.mu.Unlock()
	if err != nil {
		badRequest(w, r, "body", "%v", err)
		return
	}
	res, err := s.Rematch(r.Context(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if issues == nil {
		issues = []advisory.Issue{}
	}
	writeJSON(w, http.StatusOK, ImportResult{Provenance: prov, Issues: issues, Rematch: res})
}
