package witness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// Store is the witness's state: for each log origin, the latest checkpoint
// it cosigned, plus a record of refused (inconsistent) checkpoints, in one
// SQLite database file. Every change runs in an IMMEDIATE transaction, so
// the check of the stored size and the write of the new checkpoint are one
// atomic step even across processes sharing the file, and a crash (kill -9)
// leaves either the old or the new state.
type Store struct {
	db   *sql.DB
	path string
}

// State is what the witness holds for one log.
type State struct {
	Size    uint64
	Root    []byte
	Note    []byte // the checkpoint with the log's signatures and the witness's cosignatures
	Updated time.Time
}

const schema = `
CREATE TABLE IF NOT EXISTS checkpoints (
	origin  TEXT PRIMARY KEY,
	size    INTEGER NOT NULL CHECK (size >= 0),
	root    BLOB NOT NULL,
	note    BLOB NOT NULL,
	updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	origin   TEXT NOT NULL,
	old_size INTEGER NOT NULL,
	note     BLOB NOT NULL,
	reason   TEXT NOT NULL,
	at       INTEGER NOT NULL
);`

// OpenStore opens (creating when needed) the state database at path.
func OpenStore(path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("witness state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("witness state %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Latest returns the stored state of a log, or nil when the witness never
// cosigned one of its checkpoints.
func (s *Store) Latest(ctx context.Context, origin string) (*State, error) {
	return latest(ctx, s.db, origin)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func latest(ctx context.Context, q queryer, origin string) (*State, error) {
	st, err := scanState(q.QueryRowContext(ctx, `SELECT size, root, note, updated FROM checkpoints WHERE origin = ?`, origin))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("witness state: reading %q: %w", origin, err)
	}
	return st, nil
}

// scanState scans size, root, note and updated, then the extra columns.
func scanState(r interface{ Scan(...any) error }, extra ...any) (*State, error) {
	var st State
	var size, updated int64
	if err := r.Scan(append([]any{&size, &st.Root, &st.Note, &updated}, extra...)...); err != nil {
		return nil, err
	}
	st.Size, st.Updated = uint64(size), time.Unix(updated, 0).UTC()
	return &st, nil
}

// Advance reads the state of a log, passes it (nil when none) to next, and
// stores what next returns — all in one transaction. When next returns an
// error nothing is stored and that error is returned.
func (s *Store) Advance(ctx context.Context, origin string, next func(cur *State) (*State, error)) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock first
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	defer tx.Rollback()
	cur, err := latest(ctx, tx, origin)
	if err != nil {
		return err
	}
	st, err := next(cur)
	if err != nil {
		return err
	}
	if st.Size > math.MaxInt64 {
		return fmt.Errorf("witness state: tree size %d does not fit", st.Size)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (origin, size, root, note, updated) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, updated = excluded.updated`,
		origin, int64(st.Size), st.Root, st.Note, st.Updated.Unix()); err != nil {
		return fmt.Errorf("witness state: writing %q: %w", origin, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("witness state: committing %q: %w", origin, err)
	}
	return nil
}

// Refuse records a checkpoint that failed a consistency check, as possible
// evidence of log misbehaviour (tlog-witness allows keeping it).
func (s *Store) Refuse(ctx context.Context, origin string, oldSize uint64, note []byte, reason string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO refused (origin, old_size, note, reason, at) VALUES (?, ?, ?, ?, ?)`,
		origin, int64(min(oldSize, math.MaxInt64)), note, reason, at.Unix())
	return err
}

// Refused is one recorded refused checkpoint.
type Refused struct {
	Origin  string
	OldSize uint64
	Note    []byte
	Reason  string
	At      time.Time
}

// RefusedCheckpoints lists the refused checkpoints of a log, oldest first.
func (s *Store) RefusedCheckpoints(ctx context.Context, origin string) ([]Refused, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT origin, old_size, note, reason, at FROM refused WHERE origin = ? ORDER BY id`, origin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refused
	for rows.Next() {
		var r Refused
		var old, at int64
		if err := rows.Scan(&r.Origin, &old, &r.Note, &r.Reason, &at); err != nil {
			return nil, err
		}
		r.OldSize, r.At = uint64(old), time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Origins lists the logs the store holds a checkpoint for, with their state.
func (s *Store) Origins(ctx context.Context) (map[string]*State, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT size, root, note, updated, origin FROM checkpoints ORDER BY origin`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*State{}
	for rows.Next() {
		var o string
		st, err := scanState(rows, &o)
		if err != nil {
			return nil, err
		}
		out[o] = st
	}
	return out, rows.Err()
}
