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

// CreateProduct stores a product, its first version when given, and, with
// idem, its idempotency key in one transaction.
func (s *DB) CreateProduct(ctx context.Context, a Actor, p *Product, first *Version, idem *Idempotency) error {
	if p.ID == "" {
		p.ID = NewID()
	}
	ts := now()
	if p.Created.IsZero() {
		p.Created = ts
	}
	p.Updated = p.Created
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO products (id, org_id, name, manufacturer, brand, model, search, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.OrgID, p.Name, p.Manufacturer, p.Brand, p.Model, searchText(p), micros(p.Created), micros(p.Updated)); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, "product.create", p.ID, p.Name); err != nil {
			return err
		}
		if first != nil {
			first.ProductID, first.OrgID = p.ID, p.OrgID
			if err := s.insertVersion(ctx, tx, first); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a, "version.create", first.ID, p.ID+" "+first.Version); err != nil {
				return err
			}
		}
		return s.remember(ctx, tx, idem, "product", p.ID)
	})
}

func searchText(p *Product) string {
	return strings.ToLower(strings.Join([]string{p.Name, p.Manufacturer, p.Brand, p.Model}, " "))
}

// remember stores an idempotency key inside tx.
func (s *DB) remember(ctx context.Context, tx *sql.Tx, idem *Idempotency, kind, id string) error {
	if idem == nil {
		return nil
	}
	idem.Kind, idem.ResourceID = kind, id
	if idem.Created.IsZero() {
		idem.Created = now()
	}
	_, err := s.exec(ctx, tx, `INSERT INTO idempotency (org_id, key, request_hash, kind, resource_id, created) VALUES (?, ?, ?, ?, ?, ?)`,
		idem.OrgID, idem.Key, idem.RequestHash, idem.Kind, idem.ResourceID, micros(idem.Created))
	return err
}

// Idempotent returns the remembered upload of an organisation's key.
func (s *DB) Idempotent(ctx context.Context, orgID, key string) (*Idempotency, error) {
	var i Idempotency
	var c int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT org_id, key, request_hash, kind, resource_id, created FROM idempotency WHERE org_id = ? AND key = ?`), orgID, key).
		Scan(&i.OrgID, &i.Key, &i.RequestHash, &i.Kind, &i.ResourceID, &c)
	if err != nil {
		return nil, mapErr(err)
	}
	i.Created = fromMicros(c)
	return &i, nil
}

const productCols = `id, org_id, name, manufacturer, brand, model, created, updated`

func scanProduct(sc interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var c, u int64
	if err := sc.Scan(&p.ID, &p.OrgID, &p.Name, &p.Manufacturer, &p.Brand, &p.Model, &c, &u); err != nil {
		return nil, mapErr(err)
	}
	p.Created, p.Updated = fromMicros(c), fromMicros(u)
	return &p, nil
}

// scoped adds "AND org_id = ?" when orgID is set.
func scoped(query string, args []any, orgID string) (string, []any) {
	if orgID == "" {
		return query, args
	}
	return query + ` AND org_id = ?`, append(args, orgID)
}

// Product returns a product, of orgID when it is not empty.
func (s *DB) Product(ctx context.Context, orgID, id string) (*Product, error) {
	query, args := scoped(`SELECT `+productCols+` FROM products WHERE id = ?`, []any{id}, orgID)
	return scanProduct(s.db.QueryRowContext(ctx, s.q(query), args...))
}

// ListProducts returns one page of products by ID and the cursor of the next
// page ("" when this is the last).
func (s *DB) ListProducts(ctx context.Context, q ProductQuery) ([]Product, string, error) {
	query, args := scoped(`SELECT `+productCols+` FROM products WHERE id > ?`, []any{q.After}, q.OrgID)
	if t := strings.TrimSpace(q.Text); t != "" {
		query += ` AND search LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(strings.ToLower(t))+"%")
	}
	n := PageLimit(q.Page)
	query += fmt.Sprintf(` ORDER BY id LIMIT %d`, n+1)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	out, err := collect(rows, err, scanProduct)
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(p Product) string { return p.ID })
}

// page cuts a list fetched with one extra row and returns the next cursor.
func page[T any](rows []T, n int, id func(T) string) ([]T, string, error) {
	if len(rows) <= n {
		return rows, "", nil
	}
	rows = rows[:n]
	return rows, id(rows[n-1]), nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountProducts counts every product.
func (s *DB) CountProducts(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&n)
	return n, err
}

// CreateVersion stores a version (and idem) in one transaction and touches
// its product's update time.
func (s *DB) CreateVersion(ctx context.Context, a Actor, v *Version, idem *Idempotency) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	return s.write(ctx, a, "version.create", v.ID, v.ProductID+" "+v.Version, func(tx *sql.Tx) error {
		if err := s.insertVersion(ctx, tx, v); err != nil {
			return err
		}
		return s.remember(ctx, tx, idem, "version", v.ID)
	})
}

// insertVersion inserts v inside tx after checking that its product belongs
// to its organisation, and touches the product's update time.
func (s *DB) insertVersion(ctx context.Context, tx *sql.Tx, v *Version) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	if v.Created.IsZero() {
		v.Created = now()
	}
	r, err := s.exec(ctx, tx, `UPDATE products SET updated = ? WHERE id = ? AND org_id = ?`, micros(v.Created), v.ProductID, v.OrgID)
	if err := affected(r, err); err != nil {
		return err
	}
	refs := make([]any, 0, 5)
	for _, b := range [][]byte{v.Dossier, v.SBOM, v.Assessment, v.Summary, v.Public} {
		d, err := s.putBlob(ctx, tx, b)
		if err != nil {
			return err
		}
		refs = append(refs, d)
	}
	_, err = s.exec(ctx, tx, `INSERT INTO versions (id, product_id, org_id, version, sbom_digest, dossier, sbom, assessment, summary, public, verdicts, created, files_kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(append([]any{v.ID, v.ProductID, v.OrgID, v.Version, v.SBOMDigest}, refs...), v.Verdicts, micros(v.Created), boolInt(v.FilesKept))...)
	if err != nil {
		return err
	}
	return s.insertVersionFiles(ctx, tx, v)
}

// putBlob stores data under its SHA-256 unless it is there already, and
// returns the digest.
func (s *DB) putBlob(ctx context.Context, tx *sql.Tx, data []byte) (string, error) {
	h := sha256.Sum256(data)
	d := hex.EncodeToString(h[:])
	if data == nil {
		data = []byte{}
	}
	_, err := s.exec(ctx, tx, `INSERT INTO blobs (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`, d, data)
	return d, err
}

const versionMeta = `id, product_id, org_id, version, sbom_digest, verdicts, created`
const versionFull = versionMeta + `, (SELECT data FROM blobs WHERE digest = dossier), (SELECT data FROM blobs WHERE digest = sbom),
 (SELECT data FROM blobs WHERE digest = assessment), (SELECT data FROM blobs WHERE digest = summary), (SELECT data FROM blobs WHERE digest = public)`

func scanVersion(sc interface{ Scan(...any) error }, full bool) (*Version, error) {
	var v Version
	var c int64
	dest := []any{&v.ID, &v.ProductID, &v.OrgID, &v.Version, &v.SBOMDigest, &v.Verdicts, &c}
	if full {
		dest = append(dest, &v.Dossier, &v.SBOM, &v.Assessment, &v.Summary, &v.Public)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	v.Created = fromMicros(c)
	return &v, nil
}

// Version returns a version with its blobs and current label, of orgID when
// it is not empty.
func (s *DB) Version(ctx context.Context, orgID, id string) (*Version, error) {
	query, args := scoped(`SELECT `+versionFull+` FROM versions WHERE id = ?`, []any{id}, orgID)
	v, err := scanVersion(s.db.QueryRowContext(ctx, s.q(query), args...), true)
	if err != nil {
		return nil, err
	}
	return v, s.attachLabel(ctx, v)
}

// LatestVersion returns the newest version of a product, with its label.
func (s *DB) LatestVersion(ctx context.Context, productID string) (*Version, error) {
	v, err := scanVersion(s.db.QueryRowContext(ctx, s.q(`SELECT `+versionFull+` FROM versions WHERE product_id = ? ORDER BY id DESC LIMIT 1`), productID), true)
	if err != nil {
		return nil, err
	}
	return v, s.attachLabel(ctx, v)
}

// ListVersions returns one page of a product's versions (without blobs, with
// their labels), oldest first.
func (s *DB) ListVersions(ctx context.Context, orgID, productID string, p Page) ([]Version, string, error) {
	query, args := scoped(`SELECT `+versionMeta+` FROM versions WHERE product_id = ? AND id > ?`, []any{productID, p.After}, orgID)
	n := PageLimit(p)
	rows, err := s.db.QueryContext(ctx, s.q(query+fmt.Sprintf(` ORDER BY id LIMIT %d`, n+1)), args...)
	out, err := collect(rows, err, func(sc interface{ Scan(...any) error }) (*Version, error) { return scanVersion(sc, false) })
	if err != nil {
		return nil, "", err
	}
	out, next, _ := page(out, n, func(v Version) string { return v.ID })
	for i := range out {
		if err := s.attachLabel(ctx, &out[i]); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

const labelCols = `id, version_id, product_id, org_id, product_digest, log_index, bundle, status, reason, issued, changed`

func scanLabel(row *sql.Row) (*Label, error) {
	var l Label
	var idx, issued int64
	var changed sql.NullInt64
	if err := row.Scan(&l.ID, &l.VersionID, &l.ProductID, &l.OrgID, &l.ProductDigest, &idx, &l.Bundle, &l.Status, &l.Reason, &issued, &changed); err != nil {
		return nil, mapErr(err)
	}
	l.LogIndex, l.Issued, l.Changed = uint64(idx), fromMicros(issued), optMicros(changed)
	return &l, nil
}

// attachLabel sets v.Label to the version's newest label, if any.
func (s *DB) attachLabel(ctx context.Context, v *Version) error {
	l, err := scanLabel(s.db.QueryRowContext(ctx, s.q(`SELECT `+labelCols+` FROM labels WHERE version_id = ? ORDER BY issued DESC, id DESC LIMIT 1`), v.ID))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	v.Label = l
	return nil
}

// AddLabel records a label and supersedes the organisation's earlier valid
// labels with the same product digest, as label verification does from the
// log.
func (s *DB) AddLabel(ctx context.Context, a Actor, l *Label) error {
	if l.Issued.IsZero() {
		l.Issued = now()
	}
	l.Status = StatusValid
	return s.write(ctx, a, "label.issue", l.ID, fmt.Sprintf("version %s, log entry %d", l.VersionID, l.LogIndex), func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM versions WHERE id = ? AND product_id = ? AND org_id = ?`), l.VersionID, l.ProductID, l.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := s.labelSupersededEvents(ctx, tx, l); err != nil { // the outbox, in this transaction (outbox.go)
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE labels SET status = ?, changed = ? WHERE org_id = ? AND product_digest = ? AND status = ?`,
			StatusSuperseded, micros(l.Issued), l.OrgID, l.ProductDigest, StatusValid); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `INSERT INTO labels (id, version_id, product_id, org_id, product_digest, log_index, bundle, status, reason, issued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?)`,
			l.ID, l.VersionID, l.ProductID, l.OrgID, l.ProductDigest, int64(l.LogIndex), l.Bundle, l.Status, micros(l.Issued))
		return err
	})
}

// Label returns a label by its ID.
func (s *DB) Label(ctx context.Context, id string) (*Label, error) {
	return scanLabel(s.db.QueryRowContext(ctx, s.q(`SELECT `+labelCols+` FROM labels WHERE id = ?`), id))
}

// RevokeLabel marks an organisation's label revoked; ErrNotFound when the
// organisation has no such label or it is already revoked.
func (s *DB) RevokeLabel(ctx context.Context, a Actor, orgID, id, reason string, at time.Time) error {
	return s.write(ctx, a, "label.revoke", id, reason, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE labels SET status = ?, reason = ?, changed = ? WHERE id = ? AND org_id = ? AND status <> ?`,
			StatusRevoked, reason, micros(at), id, orgID, StatusRevoked)
		if err := affected(r, err); err != nil {
			return err
		}
		return s.labelRevokedEvent(ctx, tx, id, reason, at) // the outbox, in this transaction (outbox.go)
	})
}

// ListAudit returns an organisation's audit entries (every one when orgID is
// empty), oldest first, after the sequence number in p.After.
func (s *DB) ListAudit(ctx context.Context, orgID string, p Page) ([]AuditEntry, error) {
	var after int64
	if p.After != "" {
		if _, err := fmt.Sscan(p.After, &after); err != nil {
			return nil, fmt.Errorf("audit cursor %q: %w", p.After, err)
		}
	}
	query, args := scoped(`SELECT seq, at, org_id, actor, remote, action, target, detail FROM audit WHERE seq > ?`, []any{after}, orgID)
	rows, err := s.db.QueryContext(ctx, s.q(query+fmt.Sprintf(` ORDER BY seq LIMIT %d`, PageLimit(p))), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.OrgID, &e.Actor, &e.Remote, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
