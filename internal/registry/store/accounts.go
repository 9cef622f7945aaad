package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// CreateOrg stores an organisation; an empty ID gets a new one.
func (s *DB) CreateOrg(ctx context.Context, a Actor, o *Org) error {
	if o.ID == "" {
		o.ID = NewID()
	}
	if o.Created.IsZero() {
		o.Created = now()
	}
	return s.write(ctx, a, "org.create", o.ID, o.Kind+" "+o.Name, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO orgs (id, name, kind, contact, created) VALUES (?, ?, ?, ?, ?)`,
			o.ID, o.Name, o.Kind, o.Contact, micros(o.Created))
		return err
	})
}

const orgCols = `id, name, kind, contact, created`

func scanOrg(sc interface{ Scan(...any) error }) (*Org, error) {
	var o Org
	var c int64
	if err := sc.Scan(&o.ID, &o.Name, &o.Kind, &o.Contact, &c); err != nil {
		return nil, mapErr(err)
	}
	o.Created = fromMicros(c)
	return &o, nil
}

// Org returns an organisation.
func (s *DB) Org(ctx context.Context, id string) (*Org, error) {
	return scanOrg(s.db.QueryRowContext(ctx, s.q(`SELECT `+orgCols+` FROM orgs WHERE id = ?`), id))
}

// ListOrgs returns every organisation, by ID.
func (s *DB) ListOrgs(ctx context.Context) ([]Org, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY id`)
	return collect(rows, err, scanOrg)
}

// CreateUser stores a user; the e-mail address is kept in lower case and
// must be unique.
func (s *DB) CreateUser(ctx context.Context, a Actor, u *User) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	if u.Created.IsZero() {
		u.Created = now()
	}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	return s.write(ctx, a, "user.create", u.ID, u.Email, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO users (id, org_id, email, password_hash, created) VALUES (?, ?, ?, ?, ?)`,
			u.ID, u.OrgID, u.Email, u.PasswordHash, micros(u.Created))
		return err
	})
}

const userCols = `id, org_id, email, password_hash, created`

func scanUser(row *sql.Row) (*User, error) {
	var u User
	var c int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.PasswordHash, &c); err != nil {
		return nil, mapErr(err)
	}
	u.Created = fromMicros(c)
	return &u, nil
}

// UserByEmail finds a user by e-mail address (case-insensitive).
func (s *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE email = ?`), strings.ToLower(strings.TrimSpace(email))))
}

// User returns a user by ID.
func (s *DB) User(ctx context.Context, id string) (*User, error) {
	return scanUser(s.db.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
}

// CreateToken stores an API token (its hash, never the secret).
func (s *DB) CreateToken(ctx context.Context, a Actor, t *Token) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	if t.Created.IsZero() {
		t.Created = now()
	}
	return s.write(ctx, a, "token.create", t.ID, t.Name+" ["+strings.Join(t.Scopes, ",")+"]", func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO tokens (id, org_id, user_id, name, hash, scopes, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.OrgID, t.UserID, t.Name, t.Hash, strings.Join(t.Scopes, ","), micros(t.Created))
		return err
	})
}

const tokenCols = `id, org_id, user_id, name, hash, scopes, created, revoked`

func scanToken(sc interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var scopes string
	var c int64
	var r sql.NullInt64
	if err := sc.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Hash, &scopes, &c, &r); err != nil {
		return nil, mapErr(err)
	}
	if scopes != "" {
		t.Scopes = strings.Split(scopes, ",")
	}
	t.Created, t.Revoked = fromMicros(c), optMicros(r)
	return &t, nil
}

// TokenByHash finds a token that is not revoked by the SHA-256 of its secret.
func (s *DB) TokenByHash(ctx context.Context, hash string) (*Token, error) {
	return scanToken(s.db.QueryRowContext(ctx, s.q(`SELECT `+tokenCols+` FROM tokens WHERE hash = ? AND revoked IS NULL`), hash))
}

// ListTokens lists an organisation's tokens, revoked ones included.
func (s *DB) ListTokens(ctx context.Context, orgID string) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+tokenCols+` FROM tokens WHERE org_id = ? ORDER BY id`), orgID)
	return collect(rows, err, scanToken)
}

// RevokeToken revokes a token of an organisation; ErrNotFound when the
// organisation has no such live token.
func (s *DB) RevokeToken(ctx context.Context, a Actor, orgID, id string, at time.Time) error {
	return s.write(ctx, a, "token.revoke", id, "", func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE tokens SET revoked = ? WHERE id = ? AND org_id = ? AND revoked IS NULL`, micros(at), id, orgID)
		return affected(r, err)
	})
}

// affected turns "no row changed" into ErrNotFound.
func affected(r sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// collect scans every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}
