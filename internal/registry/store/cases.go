package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Case is a CRA Article 14 case the registry keeps: the columns lists need
// and Doc, the internal/art14 case file as JSON (awareness, drafts,
// submissions, audit trail), which the store does not interpret.
type Case struct {
	ID        string          `json:"id"`
	OrgID     string          `json:"orgId"`
	ProductID string          `json:"productId"`
	VersionID string          `json:"versionId,omitempty"`
	Kind      string          `json:"kind"`                    // "vulnerability" (Art. 14(1)) or "incident" (Art. 14(3))
	VulnID    string          `json:"vulnerability,omitempty"` // the CVE (or other) id of a vulnerability case
	Source    string          `json:"source"`                  // "monitoring" or "manual"
	Doc       json.RawMessage `json:"case"`
	Opened    time.Time       `json:"opened"`
	Updated   time.Time       `json:"updated"`
}

// Case sources.
const (
	CaseFromMonitoring = "monitoring"
	CaseManual         = "manual"
)

// CaseCandidate is a change a re-match commits that may open an Art. 14(1)
// case: an open, KEV-listed finding, with what the registry holds about
// its version.
type CaseCandidate struct {
	OrgID, OrgName         string
	ProductID, ProductName string
	VersionID, Version     string
	Dossier                []byte // the version's stored dossier (YAML)
	Finding                Finding
	// VulnID is the id the case is keyed by: the finding's CVE alias when it
	// has one, else its record id.
	VulnID string
	At     time.Time
}

// SSVCActive is the SSVC Exploitation value that opens a case like a KEV
// listing: exploitation in the wild is reported ("poc" is a public proof
// of concept, not exploitation: docs/ART14.md).
const SSVCActive = "active"

// CaseOpener returns the case a candidate opens, nil for none (the product
// is not on the EU market, …). It runs inside the re-match's transaction
// and must not touch the store.
type CaseOpener func(c *CaseCandidate) (*Case, error)

// SetCaseOpener sets the function that decides which re-match changes open
// a case. Call it before the store is used.
func (s *DB) SetCaseOpener(fn CaseOpener) { s.caseOpener = fn }

// caseVulnID is the id a finding's case is keyed by.
func caseVulnID(f *Finding) string {
	for _, a := range f.Aliases {
		if strings.HasPrefix(strings.ToUpper(a), "CVE-") {
			return strings.ToUpper(a)
		}
	}
	return strings.ToUpper(f.VulnID)
}

// openCases opens, inside a re-match's transaction, the Art. 14(1) cases its
// changes call for: one per product and vulnerability, for every open
// KEV-listed finding the opener accepts. A product that has a case for the
// vulnerability already gets no second one.
func (s *DB) openCases(ctx context.Context, tx *sql.Tx, changes []Change, at time.Time) (int, error) {
	if s.caseOpener == nil {
		return 0, nil
	}
	type pv struct{ product, vuln string }
	seen := map[pv]bool{}
	type facts struct{ c CaseCandidate }
	versions := map[string]*facts{}
	n := 0
	for i := range changes {
		ch := &changes[i]
		f := &ch.Finding
		if f.Resolved != nil || (!f.KEV && f.SSVC != SSVCActive) || (ch.Kind != EventOpened && ch.Kind != EventReopened && ch.Kind != EventChanged) {
			continue
		}
		vf := versions[f.VersionID]
		if vf == nil {
			vf = &facts{}
			err := tx.QueryRowContext(ctx, s.q(`SELECT v.org_id, o.name, v.product_id, p.name, v.version, b.data FROM versions v
 JOIN orgs o ON o.id = v.org_id JOIN products p ON p.id = v.product_id JOIN blobs b ON b.digest = v.dossier WHERE v.id = ?`), f.VersionID).
				Scan(&vf.c.OrgID, &vf.c.OrgName, &vf.c.ProductID, &vf.c.ProductName, &vf.c.Version, &vf.c.Dossier)
			if err != nil {
				return n, mapErr(err)
			}
			versions[f.VersionID] = vf
		}
		vuln := caseVulnID(f)
		k := pv{vf.c.ProductID, vuln}
		if seen[k] {
			continue
		}
		seen[k] = true
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM art14_cases WHERE org_id = ? AND product_id = ? AND case_key = ?`), vf.c.OrgID, vf.c.ProductID, "vuln:"+vuln).Scan(&one)
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return n, err
		}
		cand := vf.c
		cand.VersionID, cand.Finding, cand.VulnID, cand.At = f.VersionID, *f, vuln, at
		c, err := s.caseOpener(&cand)
		if err != nil {
			return n, fmt.Errorf("opening the Art. 14 case of %s in version %s: %w", vuln, f.VersionID, err)
		}
		if c == nil {
			continue
		}
		c.OrgID, c.ProductID, c.VersionID, c.VulnID, c.Source = cand.OrgID, cand.ProductID, cand.VersionID, vuln, CaseFromMonitoring
		if c.Kind == "" {
			c.Kind = "vulnerability"
		}
		added, err := s.insertCase(ctx, tx, c, "vuln:"+vuln, at)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

func (s *DB) insertCase(ctx context.Context, tx *sql.Tx, c *Case, key string, at time.Time) (bool, error) {
	if c.ID == "" {
		c.ID = NewID()
	}
	c.Opened, c.Updated = at.UTC().Truncate(time.Microsecond), at.UTC().Truncate(time.Microsecond)
	if !json.Valid(c.Doc) {
		return false, fmt.Errorf("case %s: the case document is not JSON", c.ID)
	}
	r, err := s.exec(ctx, tx, `INSERT INTO art14_cases (id, org_id, product_id, version_id, case_key, kind, vuln_id, source, doc, opened, updated)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.ID, c.OrgID, c.ProductID, c.VersionID, key, c.Kind, c.VulnID, c.Source, string(c.Doc), micros(c.Opened), micros(c.Updated))
	if err != nil {
		return false, err
	}
	k, err := r.RowsAffected()
	return k > 0, err
}

// CreateCase stores a case opened by hand (an Art. 14(1) vulnerability or
// an Art. 14(3) severe incident) for one of the organisation's products.
// A vulnerability case for a product and vulnerability that has one is a
// conflict.
func (s *DB) CreateCase(ctx context.Context, a Actor, c *Case) error {
	return s.write(ctx, a, "art14.open", c.ID, c.Kind+" "+c.VulnID, func(tx *sql.Tx) error {
		var owner string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT org_id FROM products WHERE id = ?`), c.ProductID).Scan(&owner); err != nil || owner != c.OrgID {
			if err == nil || err == sql.ErrNoRows {
				return ErrNotFound
			}
			return err
		}
		if c.ID == "" {
			c.ID = NewID()
		}
		key := "manual:" + c.ID
		if c.Kind == "vulnerability" && c.VulnID != "" {
			key = "vuln:" + strings.ToUpper(c.VulnID)
		}
		c.Source = CaseManual
		added, err := s.insertCase(ctx, tx, c, key, now())
		if err == nil && !added {
			err = fmt.Errorf("%w: the product has a case for %s", ErrConflict, c.VulnID)
		}
		return err
	})
}

const caseCols = `id, org_id, product_id, version_id, kind, vuln_id, source, doc, opened, updated`

func scanCase(sc interface{ Scan(...any) error }) (*Case, error) {
	var c Case
	var doc string
	var opened, updated int64
	if err := sc.Scan(&c.ID, &c.OrgID, &c.ProductID, &c.VersionID, &c.Kind, &c.VulnID, &c.Source, &doc, &opened, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.Doc, c.Opened, c.Updated = json.RawMessage(doc), fromMicros(opened), fromMicros(updated)
	return &c, nil
}

// Case returns one of the organisation's cases ("" = any organisation).
func (s *DB) Case(ctx context.Context, orgID, id string) (*Case, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, s.q(`SELECT `+caseCols+` FROM art14_cases WHERE id = ?`), id))
	if err != nil {
		return nil, err
	}
	if orgID != "" && c.OrgID != orgID {
		return nil, ErrNotFound
	}
	return c, nil
}

// ListCases returns one page of the organisation's cases by ID ("" = every
// organisation's).
func (s *DB) ListCases(ctx context.Context, orgID string, p Page) ([]Case, string, error) {
	n := PageLimit(p)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+caseCols+` FROM art14_cases WHERE (? = '' OR org_id = ?) AND id > ? ORDER BY id`+fmt.Sprintf(` LIMIT %d`, n+1)), orgID, orgID, p.After)
	out, err := collect(rows, err, scanCase)
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(c Case) string { return c.ID })
}

// UpdateCase reads a case of the organisation, passes its document to fn
// and stores what fn returns, in one transaction with an audit row (action
// "art14."+action). An error from fn leaves the case as it was.
func (s *DB) UpdateCase(ctx context.Context, a Actor, orgID, id, action string, fn func(doc []byte) ([]byte, error)) (*Case, error) {
	var out *Case
	err := s.write(ctx, a, "art14."+action, id, "", func(tx *sql.Tx) error {
		lock := ""
		if s.d.dollar {
			lock = " FOR UPDATE"
		}
		c, err := scanCase(tx.QueryRowContext(ctx, s.q(`SELECT `+caseCols+` FROM art14_cases WHERE id = ?`+lock), id))
		if err != nil {
			return err
		}
		if c.OrgID != orgID {
			return ErrNotFound
		}
		doc, err := fn(c.Doc)
		if err != nil {
			return err
		}
		if !json.Valid(doc) {
			return fmt.Errorf("case %s: the case document is not JSON", id)
		}
		c.Doc, c.Updated = doc, now().UTC().Truncate(time.Microsecond)
		if _, err := s.exec(ctx, tx, `UPDATE art14_cases SET doc = ?, updated = ? WHERE id = ?`, string(doc), micros(c.Updated), id); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// StageRecord is a submitted stage of a case as appended to the
// transparency log: the signed statement's bundle with its inclusion proof.
type StageRecord struct {
	CaseID    string    `json:"caseId"`
	Stage     string    `json:"stage"`
	Submitted time.Time `json:"submitted"`
	LogIndex  uint64    `json:"logIndex"`
	Bundle    []byte    `json:"-"`
}

// SubmitStage stores a case's new document (its stage marked submitted by
// the caller) together with the stage's log record, in one transaction.
// The document must still be what UpdateCase's fn saw: call it with the
// case's current Updated time, and a concurrent change is a conflict.
func (s *DB) SubmitStage(ctx context.Context, a Actor, orgID string, c *Case, doc []byte, rec *StageRecord) error {
	return s.write(ctx, a, "art14.submit", c.ID, rec.Stage, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE art14_cases SET doc = ?, updated = ? WHERE id = ? AND org_id = ? AND updated = ?`,
			string(doc), micros(now()), c.ID, orgID, micros(c.Updated))
		if err != nil {
			return err
		}
		if k, err := r.RowsAffected(); err != nil || k == 0 {
			if err == nil {
				err = fmt.Errorf("%w: the case changed while the stage was submitted; try again", ErrConflict)
			}
			return err
		}
		_, err = s.exec(ctx, tx, `INSERT INTO art14_stage_log (case_id, stage, org_id, submitted, log_index, bundle) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, rec.Stage, orgID, micros(rec.Submitted), int64(rec.LogIndex), rec.Bundle)
		return err
	})
}

// StageRecords returns the log records of a case's submitted stages.
func (s *DB) StageRecords(ctx context.Context, orgID, caseID string) ([]StageRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT case_id, stage, submitted, log_index, bundle FROM art14_stage_log WHERE case_id = ? AND org_id = ? ORDER BY log_index`), caseID, orgID)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*StageRecord, error) {
		var r StageRecord
		var at, idx int64
		if err := sc.Scan(&r.CaseID, &r.Stage, &at, &idx, &r.Bundle); err != nil {
			return nil, err
		}
		r.Submitted, r.LogIndex = fromMicros(at), uint64(idx)
		return &r, nil
	})
}
