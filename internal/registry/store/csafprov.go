package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CSAF document sources: what a published CSAF document was made from.
const (
	CSAFFromVersion = "version" // a product version's CSAF VEX
	CSAFFromCase    = "case"    // an Art. 14 case's security advisory
)

// CSAFDocument is the current revision of a CSAF document the registry
// publishes for an organisation (its CSAF provider directory): the
// document's bytes and what lists, feeds and re-publishing need.
type CSAFDocument struct {
	OrgID      string    `json:"orgId"`
	TrackingID string    `json:"trackingId"`
	TLP        string    `json:"tlp"`
	Source     string    `json:"source"`   // CSAFFromVersion or CSAFFromCase
	SourceID   string    `json:"sourceId"` // the version or case ID
	Title      string    `json:"title"`
	Initial    time.Time `json:"initialReleaseDate"`
	Current    time.Time `json:"currentReleaseDate"`
	Revision   int       `json:"revision"`
	Content    []byte    `json:"-"`
	SHA256     string    `json:"sha256"`
}

const csafCols = `org_id, tracking_id, tlp, source, source_id, title, initial_release, current_release, revision, content, sha256`

func scanCSAF(sc interface{ Scan(...any) error }) (*CSAFDocument, error) {
	var d CSAFDocument
	var initial, current int64
	if err := sc.Scan(&d.OrgID, &d.TrackingID, &d.TLP, &d.Source, &d.SourceID, &d.Title, &initial, &current, &d.Revision, &d.Content, &d.SHA256); err != nil {
		return nil, mapErr(err)
	}
	d.Initial, d.Current = fromMicros(initial), fromMicros(current)
	return &d, nil
}

// PutCSAFDocument stores a document's new revision (or its first), with an
// audit row "csaf.publish". The revision must be one more than the stored
// one (1 for a new document), else the document changed meanwhile and the
// write is ErrConflict.
func (s *DB) PutCSAFDocument(ctx context.Context, a Actor, d *CSAFDocument) error {
	switch d.Source {
	case CSAFFromVersion, CSAFFromCase:
	default:
		return fmt.Errorf("CSAF document %s: source %q: want %s or %s", d.TrackingID, d.Source, CSAFFromVersion, CSAFFromCase)
	}
	sum := sha256.Sum256(d.Content)
	d.SHA256 = hex.EncodeToString(sum[:])
	return s.write(ctx, a, "csaf.publish", d.TrackingID, fmt.Sprintf("TLP:%s revision %d", d.TLP, d.Revision), func(tx *sql.Tx) error {
		if d.Revision <= 1 {
			_, err := s.exec(ctx, tx, `INSERT INTO csaf_documents (`+csafCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				d.OrgID, d.TrackingID, d.TLP, d.Source, d.SourceID, d.Title, micros(d.Initial), micros(d.Current), 1, d.Content, d.SHA256)
			if errors.Is(err, ErrConflict) {
				return fmt.Errorf("%w: CSAF document %s is published already", ErrConflict, d.TrackingID)
			}
			return err
		}
		r, err := s.exec(ctx, tx, `UPDATE csaf_documents SET title = ?, current_release = ?, revision = ?, content = ?, sha256 = ?
 WHERE org_id = ? AND tracking_id = ? AND revision = ?`,
			d.Title, micros(d.Current), d.Revision, d.Content, d.SHA256, d.OrgID, d.TrackingID, d.Revision-1)
		if err != nil {
			return err
		}
		if k, err := r.RowsAffected(); err != nil || k == 0 {
			if err == nil {
				err = fmt.Errorf("%w: CSAF document %s changed while it was revised; try again", ErrConflict, d.TrackingID)
			}
			return err
		}
		return nil
	})
}

// CSAFDocument returns one of the organisation's documents by tracking ID
// (orgID "" = any organisation's: the registry's tracking IDs name the
// version or case they come from, so they are unique across
// organisations).
func (s *DB) CSAFDocument(ctx context.Context, orgID, trackingID string) (*CSAFDocument, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+csafCols+` FROM csaf_documents WHERE (? = '' OR org_id = ?) AND tracking_id = ? ORDER BY org_id LIMIT 2`), orgID, orgID, trackingID)
	list, err := collect(rows, err, scanCSAF)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, ErrNotFound // none, or two organisations' (ambiguous)
	}
	return &list[0], nil
}

// CSAFDocumentFor returns the organisation's document made from a source
// (a version or case ID) at a TLP, ErrNotFound when there is none.
func (s *DB) CSAFDocumentFor(ctx context.Context, orgID, source, sourceID, tlp string) (*CSAFDocument, error) {
	return scanCSAF(s.db.QueryRowContext(ctx, s.q(`SELECT `+csafCols+` FROM csaf_documents WHERE org_id = ? AND source = ? AND source_id = ? AND tlp = ?`),
		orgID, source, sourceID, tlp))
}

// CSAFDocuments returns the organisation's documents ("" = every
// organisation's) at the given TLPs (none = all), by organisation and
// tracking ID.
func (s *DB) CSAFDocuments(ctx context.Context, orgID string, tlps ...string) ([]CSAFDocument, error) {
	return s.csafDocuments(ctx, csafCols, orgID, tlps)
}

// CSAFDocumentHeads is CSAFDocuments without the documents' bytes
// (Content is empty): what a cache needs to tell whether anything changed.
func (s *DB) CSAFDocumentHeads(ctx context.Context, orgID string, tlps ...string) ([]CSAFDocument, error) {
	return s.csafDocuments(ctx, strings.Replace(csafCols, "content", "''", 1), orgID, tlps)
}

func (s *DB) csafDocuments(ctx context.Context, cols, orgID string, tlps []string) ([]CSAFDocument, error) {
	all := len(tlps) == 0
	has := func(l string) int {
		for _, t := range tlps {
			if t == l {
				return 1
			}
		}
		if all {
			return 1
		}
		return 0
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+cols+` FROM csaf_documents WHERE (? = '' OR org_id = ?)
 AND ((tlp = 'WHITE' AND ? = 1) OR (tlp = 'GREEN' AND ? = 1) OR (tlp = 'AMBER' AND ? = 1) OR (tlp = 'RED' AND ? = 1)) ORDER BY org_id, tracking_id`),
		orgID, orgID, has("WHITE"), has("GREEN"), has("AMBER"), has("RED"))
	return collect(rows, err, scanCSAF)
}

// RecordCSAFKey writes the audit row of a new CSAF signing key of an
// organisation (action "csaf.key": generated on first publish, rotated or
// uploaded); previous is the fingerprint it replaces ("" for the first).
func (s *DB) RecordCSAFKey(ctx context.Context, a Actor, fingerprint, how, previous string) error {
	detail := how
	if previous != "" {
		detail += ", replaces " + previous
	}
	return s.write(ctx, a, "csaf.key", fingerprint, detail, func(*sql.Tx) error { return nil })
}
