package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
)

// Reassessment is one re-run of a version's assessment after a re-match
// changed its findings: the verdicts before (the upload's, or the previous
// re-assessment's) and after, the requirements whose status changed, and
// the digest of the new assessment JSON.
// Skipped, when set, says why the assessment was not re-run (Before and
// After are then equal and no event is written).
type Reassessment struct {
	Seq       int64     `json:"seq"`
	VersionID string    `json:"versionId"`
	JobID     string    `json:"jobId"`
	At        time.Time `json:"at"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	// Changes are the requirements whose status differs from the previous
	// assessment's, in regime and requirement order.
	Changes    []RequirementChange `json:"changes"`
	Assessment string              `json:"assessmentSha256,omitempty"`
	Skipped    string              `json:"skipped,omitempty"`
}

// RequirementChange is one requirement whose status a re-assessment
// changed.
type RequirementChange struct {
	Regime      string `json:"regime"`
	Requirement string `json:"requirement"`
	Before      string `json:"before"` // "" when the requirement was not assessed before
	After       string `json:"after"`  // "" when it is no longer assessed
}

// Changed reports whether the re-assessment changed a verdict or a
// requirement's status.
func (r *Reassessment) Changed() bool {
	return r.Skipped == "" && (r.Before != r.After || len(r.Changes) > 0)
}

// QueuedReassess is a version waiting for its re-assessment and the
// re-match job that queued it.
type QueuedReassess struct {
	VersionID string
	JobID     string
	Queued    time.Time
}

// insertVersionFiles records, inside the transaction that stores v, the
// files of v kept in the file store.
func (s *DB) insertVersionFiles(ctx context.Context, tx *sql.Tx, v *Version) error {
	if len(v.Files) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO version_files (version_id, name, digest, size) VALUES (?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer st.Close()
	for _, f := range v.Files {
		if _, err := st.ExecContext(ctx, v.ID, f.Name, f.Digest, f.Size); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// VersionFiles returns the files kept for a version (by name) and whether
// its files were kept at all.
func (s *DB) VersionFiles(ctx context.Context, versionID string) ([]VersionFile, bool, error) {
	var kept int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT files_kept FROM versions WHERE id = ?`), versionID).Scan(&kept); err != nil {
		return nil, false, mapErr(err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, digest, size FROM version_files WHERE version_id = ? ORDER BY name`), versionID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []VersionFile
	for rows.Next() {
		var f VersionFile
		if err := rows.Scan(&f.Name, &f.Digest, &f.Size); err != nil {
			return nil, false, err
		}
		out = append(out, f)
	}
	return out, kept != 0, rows.Err()
}

// EnqueueReassess queues versions for re-assessment on behalf of a
// re-match job; a version already queued keeps its place, and one whose
// files were not kept is not queued (its assessment cannot be re-run). It
// returns how many were newly queued.
func (s *DB) EnqueueReassess(ctx context.Context, jobID string, versionIDs []string) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO reassess_queue (version_id, job_id, queued) SELECT id, ?, ? FROM versions WHERE id = ? AND files_kept = 1 ON CONFLICT (version_id) DO NOTHING`))
		if err != nil {
			return err
		}
		defer st.Close()
		at := micros(now())
		for _, id := range versionIDs {
			r, err := st.ExecContext(ctx, jobID, at, id)
			if err != nil {
				return mapErr(err)
			}
			if k, _ := r.RowsAffected(); k > 0 {
				n++
			}
		}
		return nil
	})
	return n, err
}

// NextReassess returns up to limit queued versions, oldest first. They stay
// queued until CompleteReassess records their result, so a crash leaves
// them for the next run.
func (s *DB) NextReassess(ctx context.Context, limit int) ([]QueuedReassess, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT version_id, job_id, queued FROM reassess_queue ORDER BY queued, version_id LIMIT ?`), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QueuedReassess
	for rows.Next() {
		var q QueuedReassess
		var at int64
		if err := rows.Scan(&q.VersionID, &q.JobID, &at); err != nil {
			return nil, err
		}
		q.Queued = fromMicros(at)
		out = append(out, q)
	}
	return out, rows.Err()
}

// CompleteReassess records a re-assessment, stores the new assessment JSON
// (nil when skipped), removes the version from the queue and, when the
// assessment changed (Changed), writes an assessment.changed event to the outbox — all in
// one transaction, so a crash leaves the version queued and nothing
// recorded.
func (s *DB) CompleteReassess(ctx context.Context, r *Reassessment, assessment []byte) error {
	if r.At.IsZero() {
		r.At = now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if assessment != nil {
			d, err := s.putBlob(ctx, tx, assessment)
			if err != nil {
				return err
			}
			r.Assessment = d
		}
		if r.Changes == nil {
			r.Changes = []RequirementChange{}
		}
		changes, err := json.Marshal(r.Changes)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO reassessments (version_id, job_id, at, before, after, changes, assessment, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.VersionID, r.JobID, micros(r.At), r.Before, r.After, string(changes), r.Assessment, r.Skipped); err != nil {
			return mapErr(err)
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM reassess_queue WHERE version_id = ?`, r.VersionID); err != nil {
			return err
		}
		if !r.Changed() {
			return nil
		}
		var org, product string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT org_id, product_id FROM versions WHERE id = ?`), r.VersionID).Scan(&org, &product); err != nil {
			return mapErr(err)
		}
		payload, _ := json.Marshal(map[string]any{"before": r.Before, "after": r.After, "changes": r.Changes, "jobId": r.JobID, "assessmentSha256": r.Assessment})
		_, err = s.enqueueEvents(ctx, tx, &notify.Event{OrgID: org, Kind: notify.KindAssessmentChanged, ProductID: product, VersionID: r.VersionID,
			OccurredAt: r.At, Payload: payload, Dedupe: notify.KindAssessmentChanged + "/" + r.VersionID + "/" + r.JobID})
		return err
	})
}

// LastReassessment returns the newest re-assessment of a version that was
// not skipped, or nil when there is none.
func (s *DB) LastReassessment(ctx context.Context, versionID string) (*Reassessment, error) {
	rs, err := s.reassessments(ctx, `SELECT r.seq, r.version_id, r.job_id, r.at, r.before, r.after, r.changes, r.assessment, r.skipped FROM reassessments r
 WHERE r.version_id = ? AND r.skipped = '' ORDER BY r.seq DESC LIMIT 1`, versionID)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// Reassessments returns the re-assessments of a version, oldest first, of
// orgID when it is not "" (ErrNotFound when the version is another
// organisation's or does not exist).
func (s *DB) Reassessments(ctx context.Context, orgID, versionID string) ([]Reassessment, error) {
	query, args := scoped(`SELECT id FROM versions WHERE id = ?`, []any{versionID}, orgID)
	var id string
	if err := s.db.QueryRowContext(ctx, s.q(query), args...).Scan(&id); err != nil {
		return nil, mapErr(err)
	}
	return s.reassessments(ctx, `SELECT r.seq, r.version_id, r.job_id, r.at, r.before, r.after, r.changes, r.assessment, r.skipped FROM reassessments r
 WHERE r.version_id = ? ORDER BY r.seq`, versionID)
}

func (s *DB) reassessments(ctx context.Context, query string, args ...any) ([]Reassessment, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Reassessment{}
	for rows.Next() {
		var r Reassessment
		var at int64
		var changes string
		if err := rows.Scan(&r.Seq, &r.VersionID, &r.JobID, &at, &r.Before, &r.After, &changes, &r.Assessment, &r.Skipped); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(changes), &r.Changes); err != nil {
			return nil, fmt.Errorf("re-assessment %d: changes: %w", r.Seq, err)
		}
		r.At = fromMicros(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Blob returns the stored bytes with this SHA-256 (an assessment a
// re-assessment recorded, say).
func (s *DB) Blob(ctx context.Context, digest string) ([]byte, error) {
	var data []byte
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT data FROM blobs WHERE digest = ?`), digest).Scan(&data); err != nil {
		return nil, mapErr(err)
	}
	return data, nil
}
