package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Share is a product a manufacturer shares with a lab (migration 0004).
type Share struct {
	ProductID string    `json:"productId"`
	OrgID     string    `json:"orgId"` // the lab
	OrgName   string    `json:"orgName"`
	Created   time.Time `json:"created"`
}

// TestReport is a test report a lab attached to a version: the file's
// digest and size, the lab and its accreditation, and the registry's signed
// attestation of the attachment (a DSSE envelope). Content is the file.
type TestReport struct {
	ID            string    `json:"id"`
	VersionID     string    `json:"versionId"`
	ProductID     string    `json:"productId"`
	LabOrgID      string    `json:"labOrgId"`
	Name          string    `json:"name"`
	Title         string    `json:"title"`
	Accreditation string    `json:"accreditation"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	Content       []byte    `json:"-"`
	Attestation   []byte    `json:"-"`
	Created       time.Time `json:"created"`
}

// LabStore is what the lab flows keep: shares and test reports. *DB
// implements it; it is apart from Store so the store interface other code
// fakes stays as it was.
type LabStore interface {
	// ShareProduct shares a manufacturer's product with a lab; sharing twice
	// is ErrConflict, an unknown product of orgID ErrNotFound.
	ShareProduct(ctx context.Context, a Actor, orgID, productID, labID string) error
	UnshareProduct(ctx context.Context, a Actor, orgID, productID, labID string) error
	ListShares(ctx context.Context, productID string) ([]Share, error)
	// SharedWith reports whether a product is shared with a lab.
	SharedWith(ctx context.Context, productID, labID string) (bool, error)
	// Queue lists the products shared with a lab, by product ID.
	Queue(ctx context.Context, labID string, p Page) ([]Product, string, error)

	AddTestReport(ctx context.Context, a Actor, r *TestReport) error
	// TestReports lists a version's reports, of one lab when labID is set.
	TestReports(ctx context.Context, versionID, labID string) ([]TestReport, error)
	// TestReport returns a report with its content and attestation.
	TestReport(ctx context.Context, id string) (*TestReport, error)
}

var _ LabStore = (*DB)(nil)

// ShareProduct implements LabStore.
func (s *DB) ShareProduct(ctx context.Context, a Actor, orgID, productID, labID string) error {
	if _, err := s.Product(ctx, orgID, productID); err != nil {
		return err
	}
	return s.write(ctx, a, "product.share", productID, "lab "+labID, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO product_shares (product_id, org_id, created) VALUES (?, ?, ?)`, productID, labID, micros(time.Now()))
		return err
	})
}

// UnshareProduct implements LabStore.
func (s *DB) UnshareProduct(ctx context.Context, a Actor, orgID, productID, labID string) error {
	if _, err := s.Product(ctx, orgID, productID); err != nil {
		return err
	}
	return s.write(ctx, a, "product.unshare", productID, "lab "+labID, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `DELETE FROM product_shares WHERE product_id = ? AND org_id = ?`, productID, labID)
		return affected(r, err)
	})
}

// ListShares implements LabStore.
func (s *DB) ListShares(ctx context.Context, productID string) ([]Share, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT s.product_id, s.org_id, o.name, s.created FROM product_shares s JOIN orgs o ON o.id = s.org_id WHERE s.product_id = ? ORDER BY s.org_id`), productID)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*Share, error) {
		var sh Share
		var c int64
		if err := sc.Scan(&sh.ProductID, &sh.OrgID, &sh.OrgName, &c); err != nil {
			return nil, err
		}
		sh.Created = fromMicros(c)
		return &sh, nil
	})
}

// SharedWith implements LabStore.
func (s *DB) SharedWith(ctx context.Context, productID, labID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM product_shares WHERE product_id = ? AND org_id = ?`), productID, labID).Scan(&n)
	return n > 0, err
}

// Queue implements LabStore.
func (s *DB) Queue(ctx context.Context, labID string, p Page) ([]Product, string, error) {
	n := PageLimit(p)
	query := `SELECT ` + prefixed("p.", productCols) + ` FROM products p JOIN product_shares s ON s.product_id = p.id WHERE s.org_id = ? AND p.id > ?` +
		fmt.Sprintf(` ORDER BY p.id LIMIT %d`, n+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), labID, p.After)
	out, err := collect(rows, err, scanProduct)
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(p Product) string { return p.ID })
}

// AddTestReport implements LabStore: the content and the attestation go to
// the blobs, the report row and its audit entry in one transaction.
func (s *DB) AddTestReport(ctx context.Context, a Actor, r *TestReport) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.Created.IsZero() {
		r.Created = time.Now().UTC()
	}
	return s.write(ctx, a, "report.attach", r.ID, "version "+r.VersionID+" sha256 "+r.SHA256, func(tx *sql.Tx) error {
		content, err := s.putBlob(ctx, tx, r.Content)
		if err != nil {
			return err
		}
		att, err := s.putBlob(ctx, tx, r.Attestation)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `INSERT INTO test_reports (id, version_id, product_id, lab_org_id, name, title, accreditation, sha256, size, content, attestation, created)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.VersionID, r.ProductID, r.LabOrgID, r.Name, r.Title, r.Accreditation, r.SHA256, r.Size, content, att, micros(r.Created))
		return err
	})
}

const reportCols = `id, version_id, product_id, lab_org_id, name, title, accreditation, sha256, size, created`

func scanReport(sc interface{ Scan(...any) error }, full bool) (*TestReport, error) {
	var r TestReport
	var c int64
	dest := []any{&r.ID, &r.VersionID, &r.ProductID, &r.LabOrgID, &r.Name, &r.Title, &r.Accreditation, &r.SHA256, &r.Size, &c}
	if full {
		dest = append(dest, &r.Content, &r.Attestation)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	r.Created = fromMicros(c)
	return &r, nil
}

// TestReports implements LabStore.
func (s *DB) TestReports(ctx context.Context, versionID, labID string) ([]TestReport, error) {
	query, args := `SELECT `+reportCols+` FROM test_reports WHERE version_id = ?`, []any{versionID}
	if labID != "" {
		query, args = query+` AND lab_org_id = ?`, append(args, labID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY id`), args...)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*TestReport, error) { return scanReport(sc, false) })
}

// TestReport implements LabStore.
func (s *DB) TestReport(ctx context.Context, id string) (*TestReport, error) {
	return scanReport(s.db.QueryRowContext(ctx, s.q(`SELECT `+reportCols+`, (SELECT data FROM blobs WHERE digest = content), (SELECT data FROM blobs WHERE digest = attestation) FROM test_reports WHERE id = ?`), id), true)
}
