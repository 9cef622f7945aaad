package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

//go:embed migrations
var migrations embed.FS

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	name   string // "sqlite" or "postgres": also the migrations folder
	dollar bool   // $1 placeholders instead of ?
}

// DB is the database/sql implementation of Store.
type DB struct {
	db *sql.DB
	d  dialect
	// caseOpener decides which re-match changes open an Art. 14 case
	// (cases.go); nil opens none.
	caseOpener CaseOpener
}

var _ Store = (*DB)(nil)

// IsPostgres reports whether dsn names a PostgreSQL database
// (postgres:// or postgresql:// URL).
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store at dsn — a postgres:// URL, or else the path of a
// SQLite database file, created when missing — and applies the migrations it
// has not seen yet.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var s *DB
	if IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL: %w", err)
		}
		db.SetMaxOpenConns(16)
		s = &DB{db: db, d: dialect{name: "postgres", dollar: true}}
	} else {
		// WAL lets readers run beside the one writer; immediate transactions
		// take the write lock up front, so two writers wait instead of failing.
		// A page cache of up to 64 MiB per connection (SQLite's default is
		// 2 MiB): a re-match commits hundreds of thousands of findings in
		// one transaction, and with the default cache SQLite spills dirty
		// pages to the WAL and re-reads index pages from the file mid-way
		// (most of the first full re-match's time, by pprof). The memory is
		// taken only as pages are read.
		db, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", dsn, err)
		}
		db.SetMaxOpenConns(8)
		s = &DB{db: db, d: dialect{name: "sqlite"}}
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Migrations lists the embedded migration files of a dialect ("sqlite" or
// "postgres") in the order they apply.
func Migrations(dialect string) ([]string, error) {
	names, err := fs.Glob(migrations, path.Join("migrations", dialect, "*.sql"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies, each in its own transaction, the migrations whose version
// (the number before the first "_" of the file name) is not recorded yet.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	names, err := Migrations(s.d.name)
	if err != nil {
		return err
	}
	for _, name := range names {
		base := path.Base(name)
		n, err := strconv.ParseInt(strings.SplitN(base, "_", 2)[0], 10, 64)
		if err != nil {
			return fmt.Errorf("migration %s: file name must start with a number", name)
		}
		var seen int
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), n).Scan(&seen); err != nil {
			return fmt.Errorf("reading schema_migrations: %w", err)
		}
		if seen > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`), n, base, micros(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration version.
func (s *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return v.Int64, err
}

// Dialect returns "sqlite" or "postgres".
func (s *DB) Dialect() string { return s.d.name }

// q rewrites ? placeholders to $n for PostgreSQL. Queries never contain a
// literal question mark.
func (s *DB) q(query string) string {
	if !s.d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec runs one statement inside tx, mapping unique violations to ErrConflict.
func (s *DB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	r, err := tx.ExecContext(ctx, s.q(query), args...)
	return r, mapErr(err)
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrConflict, pe.ConstraintName)
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// audit appends one audit row inside tx.
func (s *DB) audit(ctx context.Context, tx *sql.Tx, a Actor, action, target, detail string) error {
	_, err := s.exec(ctx, tx, `INSERT INTO audit (at, org_id, actor, remote, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		micros(time.Now()), a.OrgID, a.UserID, a.Remote, action, target, detail)
	return err
}

// write runs fn and the audit row in one transaction.
func (s *DB) write(ctx context.Context, a Actor, action, target, detail string, fn func(*sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, action, target, detail)
	})
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func optMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// PageLimit is the page size a Page asks for: 50 by default, at most 500.
func PageLimit(p Page) int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 500:
		return 500
	}
	return p.Limit
}

// Ping checks the database answers.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// Backup writes a consistent copy of a SQLite store to path (VACUUM INTO,
// safe while the server runs). PostgreSQL stores are backed up with pg_dump.
func (s *DB) Backup(ctx context.Context, path string) error {
	if s.d.name != "sqlite" {
		return errors.New("backup: use pg_dump for a PostgreSQL store")
	}
	_, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// now is the current time at the precision the store keeps (microseconds),
// so a created record reads back equal to what the caller holds.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
