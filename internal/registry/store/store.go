// Package store persists the public registry: organisations (manufacturers,
// labs, authorities), their users and API tokens, products, product versions
// with their SBOM digest, assessment and public record, labels with their
// live status, idempotency keys, and the append-only audit log.
//
// One implementation over database/sql serves two drivers: SQLite through
// modernc.org/sqlite (the embedded default, one file in the data directory)
// and PostgreSQL through pgx (for several stateless server replicas). Schema
// migrations are versioned SQL files embedded in the binary, one set per
// dialect; every query is parameterised. Every write records who did it in
// the audit log inside the same transaction, and the database itself refuses
// to change or delete audit rows.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Organisation kinds.
const (
	KindManufacturer = "manufacturer"
	KindLab          = "lab"
	KindAuthority    = "authority"
	KindOperator     = "operator" // the registry's own organisation (the admin)
)

// Label statuses, as the public page shows them.
const (
	StatusValid      = "valid"
	StatusSuperseded = "superseded"
	StatusRevoked    = "revoked"
)

// Token scopes.
const (
	ScopeRead  = "read"  // read the organisation's products and versions
	ScopeWrite = "write" // register products and upload versions
	ScopeLabel = "label" // issue and revoke labels
	ScopeAdmin = "admin" // manage organisations and users
)

// Errors every driver returns, so callers can map them to HTTP statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// Org is an organisation.
type Org struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`
	Contact string    `json:"contact,omitempty"`
	Created time.Time `json:"created"`
}

// User is a member of an organisation who logs in with a password.
type User struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"orgId"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"` // argon2id PHC string (package auth)
	Created      time.Time `json:"created"`
}

// Token is an API token. Only the SHA-256 of the secret is stored.
type Token struct {
	ID      string     `json:"id"`
	OrgID   string     `json:"orgId"`
	UserID  string     `json:"userId,omitempty"`
	Name    string     `json:"name"`
	Hash    string     `json:"-"`
	Scopes  []string   `json:"scopes"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

// HasScope reports whether the token carries scope (admin carries all).
func (t *Token) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if s == scope || s == ScopeAdmin {
			return true
		}
	}
	return false
}

// Product is a registered product of a manufacturer.
type Product struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"orgId"`
	Name         string    `json:"name"`
	Manufacturer string    `json:"manufacturer"`
	Brand        string    `json:"brand,omitempty"`
	Model        string    `json:"model,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// Version is one firmware version of a product: what was uploaded, what the
// server computed from it, and its current label when it has one.
type Version struct {
	ID         string    `json:"id"`
	ProductID  string    `json:"productId"`
	OrgID      string    `json:"orgId"`
	Version    string    `json:"version"`
	SBOMDigest string    `json:"sbomDigest"` // sha256 hex of the SBOM bytes
	Dossier    []byte    `json:"-"`          // the dossier YAML as uploaded
	SBOM       []byte    `json:"-"`          // the SBOM as uploaded
	Assessment []byte    `json:"-"`          // assessment JSON (its digest is what a label signs)
	Summary    []byte    `json:"-"`          // label summary JSON derived from the assessment and dossier
	Public     []byte    `json:"-"`          // the public record JSON shown on /p/{id}
	Verdicts   string    `json:"verdicts"`   // "cra=conforms,en303645=conforms,…", for lists
	Created    time.Time `json:"created"`
	Label      *Label    `json:"label,omitempty"`
	// Files are the evidence files (and CBOM) of the upload kept in the
	// registry's file store, written with the version; FilesKept says they
	// were kept (versions uploaded before the file store have none and are
	// never re-assessed).
	Files     []VersionFile `json:"-"`
	FilesKept bool          `json:"-"`
}

// VersionFile is one file of a version kept in the registry's file store:
// its path relative to the dossier and the SHA-256 of its bytes.
type VersionFile struct {
	Name   string `json:"name"`
	Digest string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Label is a label issued for a version, with its live status.
type Label struct {
	ID            string     `json:"id"` // label.ID: SHA-256 of the envelope's log entry
	VersionID     string     `json:"versionId"`
	ProductID     string     `json:"productId"`
	OrgID         string     `json:"orgId"`
	ProductDigest string     `json:"productDigest"` // label.Product.Digest(): what supersession compares
	LogIndex      uint64     `json:"logIndex"`
	Bundle        []byte     `json:"-"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason,omitempty"` // revocation reason
	Issued        time.Time  `json:"issued"`
	Changed       *time.Time `json:"changed,omitempty"` // when superseded or revoked
}

// Actor says who performs a write and from where, for the audit log.
type Actor struct {
	OrgID  string
	UserID string // user or token ID
	Remote string // client address
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	OrgID  string    `json:"orgId"`
	Actor  string    `json:"actor"`
	Remote string    `json:"remote"`
	Action string    `json:"action"` // e.g. "product.create"
	Target string    `json:"target"` // the ID written
	Detail string    `json:"detail,omitempty"`
}

// Idempotency is a remembered upload: the same key from the same organisation
// returns the resource the first request created.
type Idempotency struct {
	OrgID       string
	Key         string
	RequestHash string // SHA-256 of the request body: a different body with the same key is a conflict
	Kind        string // "product" or "version"
	ResourceID  string
	Created     time.Time
}

// Page asks for one page of a list ordered by ID; After is the last ID of
// the previous page ("" for the first).
type Page struct {
	After string
	Limit int
}

// ProductQuery filters products. OrgID "" means every organisation (the
// public search and authorities).
type ProductQuery struct {
	OrgID string
	Text  string // matched against name, manufacturer, brand and model, case-insensitively
	Page
}

// Store is what the registry keeps. Methods taking an orgID only see rows of
// that organisation when it is not empty, and answer ErrNotFound otherwise, so
// another organisation's IDs never reveal anything.
type Store interface {
	CreateOrg(ctx context.Context, a Actor, o *Org) error
	Org(ctx context.Context, id string) (*Org, error)
	ListOrgs(ctx context.Context) ([]Org, error)

	CreateUser(ctx context.Context, a Actor, u *User) error
	UserByEmail(ctx context.Context, email string) (*User, error)
	User(ctx context.Context, id string) (*User, error)

	CreateToken(ctx context.Context, a Actor, t *Token) error
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	ListTokens(ctx context.Context, orgID string) ([]Token, error)
	RevokeToken(ctx context.Context, a Actor, orgID, id string, at time.Time) error

	// CreateProduct stores a product, its first version when given, and,
	// with idem, its idempotency key, in one transaction.
	CreateProduct(ctx context.Context, a Actor, p *Product, first *Version, idem *Idempotency) error
	Product(ctx context.Context, orgID, id string) (*Product, error)
	ListProducts(ctx context.Context, q ProductQuery) ([]Product, string, error)
	CountProducts(ctx context.Context) (int, error)

	// CreateVersion stores a version and, with idem, its idempotency key, in
	// one transaction: a failure stores nothing.
	CreateVersion(ctx context.Context, a Actor, v *Version, idem *Idempotency) error
	Version(ctx context.Context, orgID, id string) (*Version, error)
	ListVersions(ctx context.Context, orgID, productID string, p Page) ([]Version, string, error)
	LatestVersion(ctx context.Context, productID string) (*Version, error)

	// AddLabel records a label issued for a version; earlier valid labels with
	// the same product digest become superseded in the same transaction.
	AddLabel(ctx context.Context, a Actor, l *Label) error
	Label(ctx context.Context, id string) (*Label, error)
	RevokeLabel(ctx context.Context, a Actor, orgID, id, reason string, at time.Time) error

	Idempotent(ctx context.Context, orgID, key string) (*Idempotency, error)

	ListAudit(ctx context.Context, orgID string, p Page) ([]AuditEntry, error)

	LabStore // shares with labs and their test reports (labs.go)

	Ping(ctx context.Context) error
	Close() error
}

// NewID returns a new identifier: 14 hex digits of microseconds since the
// epoch (strictly increasing within a process) followed by 10 random hex
// digits, so IDs sort by creation time and keyset pagination follows it.
func NewID() string {
	now := time.Now().UnixMicro()
	for {
		last := lastID.Load()
		if now <= last {
			now = last + 1
		}
		if lastID.CompareAndSwap(last, now) {
			break
		}
	}
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return fmt.Sprintf("%014x%s", now, hex.EncodeToString(b[:]))
}

var lastID atomic.Int64
