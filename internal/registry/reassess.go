package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// Re-assessment (issue 13: "Assessments of affected products are re-run and
// their verdict changes recorded"). An upload's evidence files and CBOM are
// kept in a content-addressed file store, DATA/files/<2 hex>/<sha256>, and
// listed per version (store.VersionFile). When a re-match commits finding
// changes, the versions they belong to are queued (reassess_queue); a
// worker re-runs each one's assessment from the stored dossier, SBOM and
// files against the current advisory database, and records the verdicts
// before and after and the requirements whose status changed
// (store.Reassessment), with an assessment.changed event when anything
// changed — the result, the queue removal and the event in one
// transaction. A crash leaves the version queued; the next run re-does it.
// A version uploaded before files were kept is skipped with that reason, so
// a missing evidence file never turns into a worse verdict. The signed label
// is not changed: it states what was assessed when it was issued.

// filesDir is the file store's folder.
func (s *Server) filesDir() string { return filepath.Join(s.cfg.Data, "files") }

// filePath is where the file store keeps the file with this SHA-256.
func (s *Server) filePath(digest string) string {
	return filepath.Join(s.filesDir(), digest[:2], digest)
}

// keepFiles returns an intake.Options.Keep that moves each placed file into
// the file store and the list it fills.
func (s *Server) keepFiles() (func(rel, path string) error, *[]store.VersionFile) {
	var files []store.VersionFile
	keep := func(rel, path string) error {
		digest, size, err := fileSHA256(path)
		if err != nil {
			return err
		}
		dst := s.filePath(digest)
		if _, err := os.Stat(dst); err == nil {
			files = append(files, store.VersionFile{Name: rel, Digest: digest, Size: size})
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		// the work folder is under DATA/tmp, on the file store's file
		// system: a rename is atomic, and a crash before the version's
		// transaction commits leaves at most an unreferenced file
		if err := os.Rename(path, dst); err != nil {
			return fmt.Errorf("keeping %s: %w", rel, err)
		}
		files = append(files, store.VersionFile{Name: rel, Digest: digest, Size: size})
		return nil
	}
	return keep, &files
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// reassessor is the background worker that drains the re-assessment queue.
type reassessor struct {
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex // one drain at a time (the worker's and Reassess's)
}

// startReassess starts the worker when the store keeps findings.
func (s *Server) startReassess() {
	if _, ok := s.store.(*store.DB); !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ra := &reassessor{kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	s.reassess = ra
	go func() {
		defer close(ra.done)
		for {
			if _, err := s.Reassess(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("re-assessment", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ra.kick:
			case <-time.After(time.Minute): // versions a crash left queued
			}
		}
	}()
}

// stopReassess stops the worker; a re-assessment in flight finishes or is
// abandoned with its version still queued.
func (s *Server) stopReassess() {
	if s.reassess == nil {
		return
	}
	s.reassess.cancel()
	<-s.reassess.done
}

// queueReassess queues the versions a re-match changed and wakes the
// worker.
func (s *Server) queueReassess(jobID string, versionIDs []string) {
	db, ok := s.store.(*store.DB)
	if !ok || len(versionIDs) == 0 {
		return
	}
	if _, err := db.EnqueueReassess(context.Background(), jobID, versionIDs); err != nil {
		s.log.Warn("queueing re-assessments", "job", jobID, "err", err)
		return
	}
	if s.reassess != nil {
		select {
		case s.reassess.kick <- struct{}{}:
		default:
		}
	}
}

// changedVersions lists, once each and sorted, the versions whose findings
// or scan state a re-match changed.
func changedVersions(changes []store.Change, verdicts []store.VerdictChange) []string {
	seen := map[string]bool{}
	for _, c := range changes {
		seen[c.Finding.VersionID] = true
	}
	for _, v := range verdicts {
		seen[v.VersionID] = true
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		if id != "" {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Reassess re-runs the assessment of every queued version and returns the
// re-assessments it recorded.
func (s *Server) Reassess(ctx context.Context) ([]store.Reassessment, error) {
	db, ok := s.store.(*store.DB)
	if !ok {
		return nil, errors.New("this store keeps no re-assessments")
	}
	if s.reassess != nil {
		s.reassess.mu.Lock()
		defer s.reassess.mu.Unlock()
	}
	var out []store.Reassessment
	for ctx.Err() == nil {
		queued, err := db.NextReassess(ctx, 20)
		if err != nil || len(queued) == 0 {
			return out, err
		}
		for _, q := range queued {
			r, err := s.reassessOne(ctx, db, q)
			if err != nil {
				return out, fmt.Errorf("re-assessing version %s: %w", q.VersionID, err)
			}
			out = append(out, *r)
			if r.Changed() {
				s.pages.clear()
				s.kickNotify()
			}
		}
	}
	return out, ctx.Err()
}

// reassessOne re-runs one version's assessment and records the result.
func (s *Server) reassessOne(ctx context.Context, db *store.DB, q store.QueuedReassess) (*store.Reassessment, error) {
	v, err := db.Version(ctx, "", q.VersionID)
	if err != nil {
		return nil, err
	}
	r := &store.Reassessment{VersionID: v.ID, JobID: q.JobID, Before: v.Verdicts}
	last, err := db.LastReassessment(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if last != nil {
		r.Before = last.After
	}
	r.After = r.Before
	files, kept, err := db.VersionFiles(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	skip := func(reason string) (*store.Reassessment, error) {
		r.Skipped = reason
		return r, db.CompleteReassess(ctx, r, nil)
	}
	if !kept {
		return skip("the upload's evidence files were not kept (uploaded before the registry kept them), so the assessment cannot be re-run faithfully")
	}
	work, err := os.MkdirTemp(filepath.Join(s.cfg.Data, "tmp"), "reassess-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	up := &intake.Upload{Dossier: v.Dossier, SBOM: v.SBOM, Spooled: map[string]string{}}
	for i, f := range files {
		link := filepath.Join(work, strconv.Itoa(i))
		if err := os.Link(s.filePath(f.Digest), link); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return skip(fmt.Sprintf("the file store lacks %s (sha256 %s)", f.Name, f.Digest))
			}
			return nil, err
		}
		up.Spooled[f.Name] = link
	}
	res, err := intake.Process(up, intake.Options{AdvisoryDB: s.cfg.AdvisoryDB, TempDir: filepath.Join(s.cfg.Data, "tmp")})
	if err != nil {
		return skip("the assessment failed: " + err.Error())
	}
	r.After = intake.Verdicts(res.Summary)
	prev := v.Assessment
	if last != nil && last.Assessment != "" {
		if prev, err = db.Blob(ctx, last.Assessment); err != nil {
			return nil, err
		}
	}
	if r.Changes, err = requirementChanges(prev, res.Assessment); err != nil {
		return nil, err
	}
	return r, db.CompleteReassess(ctx, r, res.Assessment)
}

// requirementChanges compares two assessment JSON documents requirement by
// requirement and lists those whose status differs, in regime and
// requirement order.
func requirementChanges(before, after []byte) ([]store.RequirementChange, error) {
	type doc struct {
		Regimes map[string]struct {
			Requirements []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"requirements"`
		} `json:"regimes"`
	}
	statuses := func(data []byte) (map[[2]string]string, error) {
		var d doc
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("reading an assessment: %w", err)
		}
		m := map[[2]string]string{}
		for regime, rr := range d.Regimes {
			for _, req := range rr.Requirements {
				m[[2]string{regime, req.ID}] = req.Status
			}
		}
		return m, nil
	}
	b, err := statuses(before)
	if err != nil {
		return nil, err
	}
	a, err := statuses(after)
	if err != nil {
		return nil, err
	}
	var out []store.RequirementChange
	for k, st := range a {
		if b[k] != st {
			out = append(out, store.RequirementChange{Regime: k[0], Requirement: k[1], Before: b[k], After: st})
		}
	}
	for k, st := range b {
		if _, ok := a[k]; !ok {
			out = append(out, store.RequirementChange{Regime: k[0], Requirement: k[1], Before: st})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Regime != out[j].Regime {
			return out[i].Regime < out[j].Regime
		}
		return out[i].Requirement < out[j].Requirement
	})
	return out, nil
}

// apiReassessments lists a version's re-assessments.
func (s *Server) apiReassessments(w http.ResponseWriter, r *http.Request) {
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleVersion(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		db, ok := s.store.(*store.DB)
		if !ok {
			return nil, errors.New("this store keeps no re-assessments")
		}
		rs, err := db.Reassessments(ctx, org, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"reassessments": rs}, nil
	})
}
