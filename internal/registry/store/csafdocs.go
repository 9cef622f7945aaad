package store

import (
	"context"
	"database/sql"
	"time"
)

// CSAF advisories as an advisory source (issue 14 item 5, migration 0009):
// each imported document once (replaced by a document of the same id with
// other bytes), its products under the device keys a registered device is
// looked up under, and its vulnerabilities. The monitor decides what the
// keys are and what the JSON holds; the store keeps and finds them.

// ImportedCSAF is an imported CSAF document.
type ImportedCSAF struct {
	// ID is the store's identity of the document (the monitor derives it
	// from publisher and tracking ID).
	ID         string `json:"id"`
	TrackingID string `json:"trackingId"`
	Publisher  string `json:"publisher"`
	Title      string `json:"title"`
	Released   string `json:"released"`
	SHA256     string `json:"sha256"`
	// Vulns are the document's vulnerabilities (JSON).
	Vulns    []byte    `json:"-"`
	Imported time.Time `json:"imported"`
}

// CSAFProduct is one product of a document under one device key.
type CSAFProduct struct {
	DocID     string
	ProductID string
	Key       string
	// Data is the product (JSON).
	Data []byte
}

// PutCSAF stores a document with its products in one transaction,
// replacing the products of a stored document of the same ID. It reports
// false, and writes nothing, when the stored document has the same SHA-256.
func (s *DB) PutCSAF(ctx context.Context, doc *ImportedCSAF, products []CSAFProduct) (bool, error) {
	changed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		changed = false
		var sum string
		switch err := tx.QueryRowContext(ctx, s.q(`SELECT sha256 FROM csaf_imports WHERE id = ?`), doc.ID).Scan(&sum); {
		case err == nil && sum == doc.SHA256:
			return nil
		case err != nil && err != sql.ErrNoRows:
			return err
		}
		changed = true
		if _, err := s.exec(ctx, tx, `DELETE FROM csaf_products WHERE doc_id = ?`, doc.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM csaf_imports WHERE id = ?`, doc.ID); err != nil {
			return err
		}
		if doc.Imported.IsZero() {
			doc.Imported = now()
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO csaf_imports (id, tracking_id, publisher, title, released, sha256, imported, vulns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			doc.ID, doc.TrackingID, doc.Publisher, doc.Title, doc.Released, doc.SHA256, micros(doc.Imported), string(doc.Vulns)); err != nil {
			return mapErr(err)
		}
		if len(products) == 0 {
			return nil
		}
		ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO csaf_products (doc_id, product_id, key, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, p := range products {
			if _, err := ins.ExecContext(ctx, doc.ID, p.ProductID, p.Key, string(p.Data)); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return changed, err
}

// CSAFProductsByKeys returns the stored products under any of keys.
func (s *DB) CSAFProductsByKeys(ctx context.Context, keys []string) ([]CSAFProduct, error) {
	var out []CSAFProduct
	err := eachIn(ctx, s, s.db, `SELECT doc_id, product_id, key, data FROM csaf_products WHERE key IN (?) ORDER BY doc_id, product_id`, keys, func(rows *sql.Rows) error {
		var p CSAFProduct
		var data string
		if err := rows.Scan(&p.DocID, &p.ProductID, &p.Key, &data); err != nil {
			return err
		}
		p.Data = []byte(data)
		out = append(out, p)
		return nil
	})
	return out, err
}

// CSAFKeysOfDocuments returns the distinct device keys of the documents'
// products.
func (s *DB) CSAFKeysOfDocuments(ctx context.Context, ids []string) ([]string, error) {
	return distinctIn[string](ctx, s, `SELECT DISTINCT key FROM csaf_products WHERE doc_id IN (?)`, ids)
}

// ImportedCSAFDocuments returns the stored documents of ids, with their
// vulnerabilities.
func (s *DB) ImportedCSAFDocuments(ctx context.Context, ids []string) (map[string]*ImportedCSAF, error) {
	out := map[string]*ImportedCSAF{}
	err := eachIn(ctx, s, s.db, `SELECT id, tracking_id, publisher, title, released, sha256, imported, vulns FROM csaf_imports WHERE id IN (?)`, ids, func(rows *sql.Rows) error {
		var d ImportedCSAF
		var imported int64
		var vulns string
		if err := rows.Scan(&d.ID, &d.TrackingID, &d.Publisher, &d.Title, &d.Released, &d.SHA256, &imported, &vulns); err != nil {
			return err
		}
		d.Imported, d.Vulns = fromMicros(imported), []byte(vulns)
		out[d.ID] = &d
		return nil
	})
	return out, err
}

// CSAFCount returns how many documents and product rows are stored.
func (s *DB) CSAFCount(ctx context.Context) (docs, products int, err error) {
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM csaf_imports`).Scan(&docs); err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM csaf_products`).Scan(&products)
	return docs, products, err
}

// DeviceType is the component type of a registered version's device
// itself (the product, not one of its SBOM components): CSAF advisories'
// product trees are matched against it.
const DeviceType = "device"

// DeviceComponents returns, of ids, those that are device components.
func (s *DB) DeviceComponents(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := chunks(ids, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM components WHERE type = ? AND id IN (`+inList(len(part))+`)`), append([]any{DeviceType}, anys(part)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
		}
		return rows.Err()
	})
	return out, err
}

// DeviceFacts is what device matching reads of a version's product: the
// manufacturer, brand, product name and model.
type DeviceFacts struct {
	Manufacturer, Brand, Name, Model string
}

// DeviceFactsOf returns the product facts of versions.
func (s *DB) DeviceFactsOf(ctx context.Context, versionIDs []string) (map[string]DeviceFacts, error) {
	out := map[string]DeviceFacts{}
	err := chunks(versionIDs, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT v.id, p.manufacturer, p.brand, p.name, p.model FROM versions v JOIN products p ON p.id = v.product_id WHERE v.id IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var f DeviceFacts
			if err := rows.Scan(&id, &f.Manufacturer, &f.Brand, &f.Name, &f.Model); err != nil {
				return err
			}
			out[id] = f
		}
		return rows.Err()
	})
	return out, err
}
